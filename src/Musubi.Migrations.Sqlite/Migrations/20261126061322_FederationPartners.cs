using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Musubi.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class FederationPartners : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "federation_partners",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    OrganisationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    Url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    CollectionId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Auth = table.Column<int>(type: "INTEGER", nullable: false),
                    UserName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    SecretProtected = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: true),
                    Direction = table.Column<int>(type: "INTEGER", nullable: false),
                    IntervalMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    Ceiling = table.Column<int>(type: "INTEGER", nullable: false),
                    DefaultTlp = table.Column<int>(type: "INTEGER", nullable: false),
                    Communities = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastAttemptAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastSuccessAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastErrorAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    ObjectsPulled = table.Column<long>(type: "INTEGER", nullable: false),
                    ObjectsPushed = table.Column<long>(type: "INTEGER", nullable: false),
                    PullCheckpoint = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PushCheckpoint = table.Column<long>(type: "INTEGER", nullable: false),
                    LastFailures = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_federation_partners", x => x.Id);
                    table.ForeignKey(
                        name: "FK_federation_partners_organisations_OrganisationId",
                        column: x => x.OrganisationId,
                        principalTable: "organisations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_federation_partners_Name",
                table: "federation_partners",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_federation_partners_OrganisationId",
                table: "federation_partners",
                column: "OrganisationId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "federation_partners");
        }
    }
}
