using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Musubi.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Ledger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ledger_alerts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Message = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    EntryIndex = table.Column<long>(type: "INTEGER", nullable: true),
                    CheckpointTreeSize = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_alerts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_checkpoints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TreeSize = table.Column<long>(type: "INTEGER", nullable: false),
                    RootHash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    KeyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_checkpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_entries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Index = table.Column<long>(type: "INTEGER", nullable: false),
                    Category = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    OrganisationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    LeafHash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    Payload = table.Column<byte[]>(type: "BLOB", nullable: true),
                    PayloadLength = table.Column<int>(type: "INTEGER", nullable: false),
                    PayloadRemovedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    PayloadRemovedReason = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    AuditEntryId = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_entries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ledger_entries_audit_entries_AuditEntryId",
                        column: x => x.AuditEntryId,
                        principalTable: "audit_entries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ledger_keys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    PublicKey = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    PrivateKeyProtected = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_keys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_legal_holds",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganisationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Category = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ReleasedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_legal_holds", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_retention_policies",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganisationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Category = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    RetainDays = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_retention_policies", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_state",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    NextIndex = table.Column<long>(type: "INTEGER", nullable: false),
                    TreeSize = table.Column<long>(type: "INTEGER", nullable: false),
                    MonitorCheckedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    MonitorOk = table.Column<bool>(type: "INTEGER", nullable: true),
                    MonitorMessage = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    MonitorCheckedSize = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_state", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_tiles",
                columns: table => new
                {
                    Level = table.Column<int>(type: "INTEGER", nullable: false),
                    Index = table.Column<long>(type: "INTEGER", nullable: false),
                    Hashes = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_tiles", x => new { x.Level, x.Index });
                });

            migrationBuilder.InsertData(
                table: "ledger_state",
                columns: new[] { "Id", "MonitorCheckedAt", "MonitorCheckedSize", "MonitorMessage", "MonitorOk", "NextIndex", "TreeSize" },
                values: new object[] { 1, null, 0L, null, null, 0L, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_ledger_alerts_At",
                table: "ledger_alerts",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_checkpoints_CreatedAt",
                table: "ledger_checkpoints",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_checkpoints_TreeSize",
                table: "ledger_checkpoints",
                column: "TreeSize",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_At",
                table: "ledger_entries",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_AuditEntryId",
                table: "ledger_entries",
                column: "AuditEntryId");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_Index",
                table: "ledger_entries",
                column: "Index",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_OrganisationId_Category_Index",
                table: "ledger_entries",
                columns: new[] { "OrganisationId", "Category", "Index" });

            migrationBuilder.CreateIndex(
                name: "IX_ledger_retention_policies_OrganisationId_Category",
                table: "ledger_retention_policies",
                columns: new[] { "OrganisationId", "Category" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ledger_alerts");

            migrationBuilder.DropTable(
                name: "ledger_checkpoints");

            migrationBuilder.DropTable(
                name: "ledger_entries");

            migrationBuilder.DropTable(
                name: "ledger_keys");

            migrationBuilder.DropTable(
                name: "ledger_legal_holds");

            migrationBuilder.DropTable(
                name: "ledger_retention_policies");

            migrationBuilder.DropTable(
                name: "ledger_state");

            migrationBuilder.DropTable(
                name: "ledger_tiles");
        }
    }
}
