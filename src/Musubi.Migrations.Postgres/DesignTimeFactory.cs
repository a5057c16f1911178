using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Musubi.Infrastructure.Data;

namespace Musubi.Migrations.Postgres;

/// <summary>Lets `dotnet ef migrations add X --project src/Musubi.Migrations.Postgres` build the model for this provider.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<MusubiDbContext>
{
    public MusubiDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<MusubiDbContext>();
        DataServiceCollectionExtensions.Configure(builder, new DatabaseOptions
        {
            Provider = "postgres",
            ConnectionString = "Host=localhost;Database=musubi_design;Username=postgres",
        });
        return new MusubiDbContext(builder.Options);
    }
}
