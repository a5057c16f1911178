using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Musubi.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class WorkQueue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "queue_messages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Topic = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Payload = table.Column<byte[]>(type: "BLOB", nullable: false),
                    DeduplicationKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    EnqueuedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    VisibleAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_queue_messages", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_queue_messages_Topic_DeduplicationKey",
                table: "queue_messages",
                columns: new[] { "Topic", "DeduplicationKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_queue_messages_Topic_VisibleAtTicks_Id",
                table: "queue_messages",
                columns: new[] { "Topic", "VisibleAtTicks", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "queue_messages");
        }
    }
}
