using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Musubi.Migrations.Postgres.Migrations
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Kind = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Message = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    EntryIndex = table.Column<long>(type: "bigint", nullable: true),
                    CheckpointTreeSize = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_alerts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_checkpoints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TreeSize = table.Column<long>(type: "bigint", nullable: false),
                    RootHash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    Note = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    KeyId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_checkpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_entries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Index = table.Column<long>(type: "bigint", nullable: false),
                    Category = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    OrganisationId = table.Column<Guid>(type: "uuid", nullable: true),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LeafHash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    Payload = table.Column<byte[]>(type: "bytea", nullable: true),
                    PayloadLength = table.Column<int>(type: "integer", nullable: false),
                    PayloadRemovedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    PayloadRemovedReason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    AuditEntryId = table.Column<long>(type: "bigint", nullable: true)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    PublicKey = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    PrivateKeyProtected = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_keys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_legal_holds",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganisationId = table.Column<Guid>(type: "uuid", nullable: true),
                    Category = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ReleasedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_legal_holds", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_retention_policies",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganisationId = table.Column<Guid>(type: "uuid", nullable: true),
                    Category = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    RetainDays = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_retention_policies", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_state",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    NextIndex = table.Column<long>(type: "bigint", nullable: false),
                    TreeSize = table.Column<long>(type: "bigint", nullable: false),
                    MonitorCheckedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    MonitorOk = table.Column<bool>(type: "boolean", nullable: true),
                    MonitorMessage = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    MonitorCheckedSize = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_state", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_tiles",
                columns: table => new
                {
                    Level = table.Column<int>(type: "integer", nullable: false),
                    Index = table.Column<long>(type: "bigint", nullable: false),
                    Hashes = table.Column<byte[]>(type: "bytea", nullable: false)
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
