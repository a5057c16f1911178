using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Musubi.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class StixStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "stix_objects",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StixId = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    VersionKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Modified = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ModifiedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedByRef = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Revoked = table.Column<bool>(type: "INTEGER", nullable: false),
                    IsLatest = table.Column<bool>(type: "INTEGER", nullable: false),
                    Tlp = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatorOrganisationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PublishedToPublicFeed = table.Column<bool>(type: "INTEGER", nullable: false),
                    DateAdded = table.Column<long>(type: "INTEGER", nullable: false),
                    Raw = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stix_objects", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "stix_terms",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ObjectId = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    Value = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Path = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stix_terms", x => x.Id);
                    table.ForeignKey(
                        name: "FK_stix_terms_stix_objects_ObjectId",
                        column: x => x.ObjectId,
                        principalTable: "stix_objects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_stix_objects_CreatedByRef",
                table: "stix_objects",
                column: "CreatedByRef");

            migrationBuilder.CreateIndex(
                name: "IX_stix_objects_DateAdded",
                table: "stix_objects",
                column: "DateAdded");

            migrationBuilder.CreateIndex(
                name: "IX_stix_objects_ModifiedAt",
                table: "stix_objects",
                column: "ModifiedAt");

            migrationBuilder.CreateIndex(
                name: "IX_stix_objects_StixId_VersionKey",
                table: "stix_objects",
                columns: new[] { "StixId", "VersionKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_stix_objects_Type_IsLatest",
                table: "stix_objects",
                columns: new[] { "Type", "IsLatest" });

            migrationBuilder.CreateIndex(
                name: "IX_stix_terms_Kind_Value",
                table: "stix_terms",
                columns: new[] { "Kind", "Value" });

            migrationBuilder.CreateIndex(
                name: "IX_stix_terms_ObjectId",
                table: "stix_terms",
                column: "ObjectId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "stix_terms");

            migrationBuilder.DropTable(
                name: "stix_objects");
        }
    }
}
