using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Musubi.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class FeedPipelineAndDelivery : Migration
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
                name: "feed_dedup_keys",
                columns: table => new
                {
                    Key = table.Column<long>(type: "bigint", nullable: false),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_dedup_keys", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "feed_prefix_tables",
                columns: table => new
                {
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    FileName = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Data = table.Column<byte[]>(type: "bytea", nullable: false),
                    Prefixes = table.Column<int>(type: "integer", nullable: false),
                    ImportedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_prefix_tables", x => x.Kind);
                });

            migrationBuilder.CreateTable(
                name: "feed_recipients",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    OrganisationId = table.Column<Guid>(type: "uuid", nullable: true),
                    Email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    Language = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    IntervalSeconds = table.Column<int>(type: "integer", nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_recipients", x => x.Id);
                    table.ForeignKey(
                        name: "FK_feed_recipients_organisations_OrganisationId",
                        column: x => x.OrganisationId,
                        principalTable: "organisations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
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
                name: "feed_reports",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Ticket = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    RecipientId = table.Column<Guid>(type: "uuid", nullable: false),
                    From = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    To = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RowCount = table.Column<int>(type: "integer", nullable: false),
                    Rows = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    SendingSince = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    SentAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_reports", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "feed_settings",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    DedupKey = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    DedupWindowSeconds = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_settings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "feed_sources",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Collector = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Location = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    IntervalSeconds = table.Column<int>(type: "integer", nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastRunAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastSuccessAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    RowsAccepted = table.Column<long>(type: "bigint", nullable: false),
                    RowsRejected = table.Column<long>(type: "bigint", nullable: false),
                    HttpETag = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    HttpLastModified = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Cursor = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_sources", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "feed_ticket_counters",
                columns: table => new
                {
                    Day = table.Column<int>(type: "integer", nullable: false),
                    Last = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_ticket_counters", x => x.Day);
                });

            migrationBuilder.CreateTable(
                name: "feed_window_rows",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RecipientId = table.Column<Guid>(type: "uuid", nullable: false),
                    WindowStart = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    WindowEnd = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    FileId = table.Column<Guid>(type: "uuid", nullable: false),
                    Line = table.Column<int>(type: "integer", nullable: false),
                    Row = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_window_rows", x => x.Id);
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
                name: "feed_rules",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Position = table.Column<int>(type: "integer", nullable: false),
                    OrganisationId = table.Column<Guid>(type: "uuid", nullable: true),
                    Asn = table.Column<long>(type: "bigint", nullable: true),
                    Taxonomy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Feed = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    RecipientId = table.Column<Guid>(type: "uuid", nullable: true),
                    Inhibit = table.Column<bool>(type: "boolean", nullable: false),
                    Comment = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_rules", x => x.Id);
                    table.ForeignKey(
                        name: "FK_feed_rules_feed_recipients_RecipientId",
                        column: x => x.RecipientId,
                        principalTable: "feed_recipients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_feed_rules_organisations_OrganisationId",
                        column: x => x.OrganisationId,
                        principalTable: "organisations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "feed_files",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SourceId = table.Column<Guid>(type: "uuid", nullable: false),
                    FileName = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Data = table.Column<byte[]>(type: "bytea", nullable: false),
                    Length = table.Column<long>(type: "bigint", nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ProcessedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Accepted = table.Column<int>(type: "integer", nullable: false),
                    Rejected = table.Column<int>(type: "integer", nullable: false),
                    Duplicates = table.Column<int>(type: "integer", nullable: false),
                    Routed = table.Column<int>(type: "integer", nullable: false),
                    Errors = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_files", x => x.Id);
                    table.ForeignKey(
                        name: "FK_feed_files_feed_sources_SourceId",
                        column: x => x.SourceId,
                        principalTable: "feed_sources",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
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
                name: "IX_feed_dedup_keys_ExpiresAt",
                table: "feed_dedup_keys",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_feed_files_SourceId",
                table: "feed_files",
                column: "SourceId");

            migrationBuilder.CreateIndex(
                name: "IX_feed_files_State",
                table: "feed_files",
                column: "State");

            migrationBuilder.CreateIndex(
                name: "IX_feed_recipients_Name",
                table: "feed_recipients",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_feed_recipients_OrganisationId",
                table: "feed_recipients",
                column: "OrganisationId");

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
                name: "IX_feed_reports_RecipientId",
                table: "feed_reports",
                column: "RecipientId");

            migrationBuilder.CreateIndex(
                name: "IX_feed_reports_State",
                table: "feed_reports",
                column: "State");

            migrationBuilder.CreateIndex(
                name: "IX_feed_reports_Ticket",
                table: "feed_reports",
                column: "Ticket",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_feed_rules_OrganisationId",
                table: "feed_rules",
                column: "OrganisationId");

            migrationBuilder.CreateIndex(
                name: "IX_feed_rules_RecipientId",
                table: "feed_rules",
                column: "RecipientId");

            migrationBuilder.CreateIndex(
                name: "IX_feed_sources_Name",
                table: "feed_sources",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_feed_window_rows_WindowEnd_RecipientId",
                table: "feed_window_rows",
                columns: new[] { "WindowEnd", "RecipientId" });

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
                name: "feed_dedup_keys");

            migrationBuilder.DropTable(
                name: "feed_files");

            migrationBuilder.DropTable(
                name: "feed_prefix_tables");

            migrationBuilder.DropTable(
                name: "feed_report_hosts");

            migrationBuilder.DropTable(
                name: "feed_reports");

            migrationBuilder.DropTable(
                name: "feed_rules");

            migrationBuilder.DropTable(
                name: "feed_settings");

            migrationBuilder.DropTable(
                name: "feed_ticket_counters");

            migrationBuilder.DropTable(
                name: "feed_window_rows");

            migrationBuilder.DropTable(
                name: "infected_host_episodes");

            migrationBuilder.DropTable(
                name: "feed_sources");

            migrationBuilder.DropTable(
                name: "feed_report_tickets");

            migrationBuilder.DropTable(
                name: "feed_recipients");

            migrationBuilder.DropTable(
                name: "infected_hosts");
        }
    }
}
