using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Musubi.Migrations.Postgres.Migrations
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Topic = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Payload = table.Column<byte[]>(type: "bytea", nullable: false),
                    DeduplicationKey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    EnqueuedAtTicks = table.Column<long>(type: "bigint", nullable: false),
                    VisibleAtTicks = table.Column<long>(type: "bigint", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false)
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
