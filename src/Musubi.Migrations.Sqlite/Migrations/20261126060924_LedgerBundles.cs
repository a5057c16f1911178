using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Musubi.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class LedgerBundles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ledger_bundles",
                columns: table => new
                {
                    FirstIndex = table.Column<long>(type: "INTEGER", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false),
                    FirstAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    LastAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    PayloadsKept = table.Column<int>(type: "INTEGER", nullable: false),
                    LeafHashes = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Entries = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_bundles", x => x.FirstIndex);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ledger_bundles_FirstAtTicks",
                table: "ledger_bundles",
                column: "FirstAtTicks");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_bundles_LastAtTicks",
                table: "ledger_bundles",
                column: "LastAtTicks");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ledger_bundles");
        }
    }
}
