using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Musubi.Infrastructure.Data;

namespace Musubi.Migrations.Sqlite;

/// <summary>Lets `dotnet ef migrations add X --project src/Musubi.Migrations.Sqlite` build the model for this provider.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<MusubiDbContext>
{
    public MusubiDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<MusubiDbContext>();
        DataServiceCollectionExtensions.Configure(builder, new DatabaseOptions
        {
            Provider = "sqlite",
            ConnectionString = DataServiceCollectionExtensions.SqliteConnectionString("design-time.db"),
        });
        return new MusubiDbContext(builder.Options);
    }
}
