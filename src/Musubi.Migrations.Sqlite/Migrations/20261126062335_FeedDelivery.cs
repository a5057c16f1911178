using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Musubi.Migrations.Sqlite.Migrations
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    Start = table.Column<long>(type: "INTEGER", nullable: false),
                    End = table.Column<long>(type: "INTEGER", nullable: false),
                    Organisations = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    Taxonomy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Malware = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    CreatedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cleanup_campaigns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "feed_report_tickets",
                columns: table => new
                {
                    Ticket = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RecipientId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    OrganisationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    Language = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    From = table.Column<long>(type: "INTEGER", nullable: false),
                    To = table.Column<long>(type: "INTEGER", nullable: false),
                    RowCount = table.Column<int>(type: "INTEGER", nullable: false),
                    HostCount = table.Column<int>(type: "INTEGER", nullable: false),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_report_tickets", x => x.Ticket);
                });

            migrationBuilder.CreateTable(
                name: "infected_hosts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RecipientId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    OrganisationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Address = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                    Taxonomy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Malware = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Asn = table.Column<long>(type: "INTEGER", nullable: true),
                    FirstSeen = table.Column<long>(type: "INTEGER", nullable: false),
                    LastSeen = table.Column<long>(type: "INTEGER", nullable: false),
                    TimesReported = table.Column<int>(type: "INTEGER", nullable: false),
                    Reinfections = table.Column<int>(type: "INTEGER", nullable: false),
                    LastTicket = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CleanedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_infected_hosts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "feed_report_hosts",
                columns: table => new
                {
                    Ticket = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    HostId = table.Column<long>(type: "INTEGER", nullable: false),
                    Rows = table.Column<int>(type: "INTEGER", nullable: false)
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    HostId = table.Column<long>(type: "INTEGER", nullable: false),
                    OrganisationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    OpenedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastSeen = table.Column<long>(type: "INTEGER", nullable: false),
                    CleanedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    IsReinfection = table.Column<bool>(type: "INTEGER", nullable: false)
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
