using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Musubi.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class FeedDelivery : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "cleanup_campaigns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    Start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    End = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Organisations = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: false),
                    Taxonomy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Malware = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    CreatedBy = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cleanup_campaigns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "feed_report_tickets",
                columns: table => new
                {
                    Ticket = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RecipientId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    OrganisationId = table.Column<Guid>(type: "uuid", nullable: true),
                    Email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: true),
                    Language = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    From = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    To = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RowCount = table.Column<int>(type: "integer", nullable: false),
                    HostCount = table.Column<int>(type: "integer", nullable: false),
                    RecordedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_report_tickets", x => x.Ticket);
                });

            migrationBuilder.CreateTable(
                name: "infected_hosts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RecipientId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    OrganisationId = table.Column<Guid>(type: "uuid", nullable: true),
                    Address = table.Column<string>(type: "character varying(45)", maxLength: 45, nullable: false),
                    Taxonomy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Malware = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Asn = table.Column<long>(type: "bigint", nullable: true),
                    FirstSeen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastSeen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    TimesReported = table.Column<int>(type: "integer", nullable: false),
                    Reinfections = table.Column<int>(type: "integer", nullable: false),
                    LastTicket = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CleanedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_infected_hosts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "feed_report_hosts",
                columns: table => new
                {
                    Ticket = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    HostId = table.Column<long>(type: "bigint", nullable: false),
                    Rows = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_report_hosts", x => new { x.Ticket, x.HostId });
                    table.ForeignKey(
                        name: "FK_feed_report_hosts_feed_report_tickets_Ticket",
                        column: x => x.Ticket,
                        principalTable: "feed_report_tickets",
                        principalColumn: "Ticket",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_feed_report_hosts_infected_hosts_HostId",
                        column: x => x.HostId,
                        principalTable: "infected_hosts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "infected_host_episodes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    HostId = table.Column<long>(type: "bigint", nullable: false),
                    OrganisationId = table.Column<Guid>(type: "uuid", nullable: true),
                    OpenedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastSeen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CleanedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    IsReinfection = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_infected_host_episodes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_infected_host_episodes_infected_hosts_HostId",
                        column: x => x.HostId,
                        principalTable: "infected_hosts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_cleanup_campaigns_Start",
                table: "cleanup_campaigns",
                column: "Start");

            migrationBuilder.CreateIndex(
                name: "IX_feed_report_hosts_HostId",
                table: "feed_report_hosts",
                column: "HostId");

            migrationBuilder.CreateIndex(
                name: "IX_feed_report_tickets_OrganisationId_To",
                table: "feed_report_tickets",
                columns: new[] { "OrganisationId", "To" });

            migrationBuilder.CreateIndex(
                name: "IX_feed_report_tickets_To",
                table: "feed_report_tickets",
                column: "To");

            migrationBuilder.CreateIndex(
                name: "IX_infected_host_episodes_HostId_CleanedAt",
                table: "infected_host_episodes",
                columns: new[] { "HostId", "CleanedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_infected_host_episodes_OrganisationId_OpenedAt",
                table: "infected_host_episodes",
                columns: new[] { "OrganisationId", "OpenedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_infected_hosts_OrganisationId_State_LastSeen",
                table: "infected_hosts",
                columns: new[] { "OrganisationId", "State", "LastSeen" });

            migrationBuilder.CreateIndex(
                name: "IX_infected_hosts_RecipientId_Address_Type_Malware",
                table: "infected_hosts",
                columns: new[] { "RecipientId", "Address", "Type", "Malware" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_infected_hosts_State_LastSeen",
                table: "infected_hosts",
                columns: new[] { "State", "LastSeen" });

            migrationBuilder.CreateIndex(
                name: "IX_infected_hosts_UpdatedAt_Id",
                table: "infected_hosts",
                columns: new[] { "UpdatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "cleanup_campaigns");

            migrationBuilder.DropTable(
                name: "feed_report_hosts");

            migrationBuilder.DropTable(
                name: "infected_host_episodes");

            migrationBuilder.DropTable(
                name: "feed_report_tickets");

            migrationBuilder.DropTable(
                name: "infected_hosts");
        }
    }
}
