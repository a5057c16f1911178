using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Musubi.Migrations.Postgres.Migrations
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    OrganisationId = table.Column<Guid>(type: "uuid", nullable: true),
                    Kind = table.Column<int>(type: "integer", nullable: false),
                    Url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    CollectionId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Auth = table.Column<int>(type: "integer", nullable: false),
                    UserName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    SecretProtected = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: true),
                    Direction = table.Column<int>(type: "integer", nullable: false),
                    IntervalMinutes = table.Column<int>(type: "integer", nullable: false),
                    Ceiling = table.Column<int>(type: "integer", nullable: false),
                    DefaultTlp = table.Column<int>(type: "integer", nullable: false),
                    Communities = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastSuccessAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastErrorAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    ObjectsPulled = table.Column<long>(type: "bigint", nullable: false),
                    ObjectsPushed = table.Column<long>(type: "bigint", nullable: false),
                    PullCheckpoint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    PushCheckpoint = table.Column<long>(type: "bigint", nullable: false),
                    LastFailures = table.Column<string>(type: "text", nullable: true)
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
