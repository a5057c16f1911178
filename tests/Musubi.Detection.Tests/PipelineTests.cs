using Musubi.Detection.Sigma;
using Musubi.Detection.Sigma.Pipelines;
using static Musubi.Detection.Tests.SigmaTestKit;

namespace Musubi.Detection.Tests;

public sealed class PipelineTests
{
    private const string Whoami = """
        title: Whoami
        id: 11111111-1111-1111-1111-111111111111
        logsource: {category: process_creation, product: windows}
        detection:
            selection:
                Image|endswith: '\whoami.exe'
                ParentImage|endswith: '\cmd.exe'
            condition: selection
        """;

    private static string Sysmon(int eventId, string image, string channel = "Microsoft-Windows-Sysmon/Operational") =>
        "{\"Event\": {\"System\": {\"EventID\": " + eventId + ", \"Channel\": \"" + channel + "\"}, \"EventData\": {\"Image\": \"" + image + "\", \"ParentImage\": \"C:\\\\Windows\\\\cmd.exe\"}}}";

    [Fact]
    public void Process_creation_routes_to_sysmon_1_and_security_4688_with_its_field_names()
    {
        var engine = Engine(Whoami, new SigmaEngineOptions());
        Assert.Single(Run(engine, Sysmon(1, "C:\\\\Windows\\\\whoami.exe")));
        Assert.Empty(Run(engine, Sysmon(11, "C:\\\\Windows\\\\whoami.exe")));
        Assert.Empty(Run(engine, Sysmon(1, "C:\\\\Windows\\\\whoami.exe", "Security")));
        const string security = """{"Event": {"System": {"EventID": 4688, "Channel": "Security"}, "EventData": {"NewProcessName": "C:\\Windows\\whoami.exe", "ParentProcessName": "C:\\Windows\\cmd.exe"}}}""";
        Assert.Single(Run(engine, security));
        const string securityWithSysmonNames = """{"Event": {"System": {"EventID": 4688, "Channel": "Security"}, "EventData": {"Image": "C:\\Windows\\whoami.exe", "ParentImage": "C:\\Windows\\cmd.exe"}}}""";
        Assert.Empty(Run(engine, securityWithSysmonNames));
    }

    [Fact]
    public void Registry_sub_categories_also_need_their_event_type()
    {
        var rule = Whoami.Replace("process_creation", "registry_add", StringComparison.Ordinal);
        var engine = Engine(rule, new SigmaEngineOptions());
        const string create = """{"EventID": 12, "Channel": "Microsoft-Windows-Sysmon/Operational", "EventType": "CreateKey", "Image": "x\\whoami.exe", "ParentImage": "x\\cmd.exe"}""";
        Assert.Single(Run(engine, create));
        Assert.Empty(Run(engine, create.Replace("CreateKey", "SetValue", StringComparison.Ordinal)));
    }

    [Fact]
    public void Rules_for_other_products_never_see_windows_events()
    {
        var rule = Whoami.Replace("{category: process_creation, product: windows}", "{product: zeek, service: rdp}", StringComparison.Ordinal);
        var engine = Engine(rule, new SigmaEngineOptions());
        Assert.Empty(Run(engine, Sysmon(1, "C:\\\\Windows\\\\whoami.exe")));
        Assert.Single(Run(engine, """{"Image": "x\\whoami.exe", "ParentImage": "y\\cmd.exe"}"""));
    }

    [Fact]
    public void The_thor_file_of_the_corpus_loads_and_routes_as_the_built_in_pipeline_does()
    {
        var thor = SigmaPipeline.Load(Path.Combine(SigmaCorpus.Root, "tests", "thor.yml"));
        var builtIn = SigmaPipeline.Windows;
        foreach (var mapping in thor.Mappings)
        {
            var expected = thor.Resolve(mapping.Match).SelectMany(Expand).Order().ToList();
            var actual = builtIn.Resolve(mapping.Match).SelectMany(Expand).Order().ToList();
            Assert.True(expected.SequenceEqual(actual), $"{mapping.Name}: thor {string.Join(" | ", expected)}; built-in {string.Join(" | ", actual)}");
        }

        // Variants are compared by what they accept: one line per combination of condition values (the built-in
        // file lists EventID 4 and 16 in one entry where THOR has two).
        static IEnumerable<string> Expand(RouteVariant v)
        {
            IEnumerable<string> combos = [""];
            foreach (var condition in v.Conditions.OrderBy(c => c.Field, StringComparer.Ordinal))
            {
                combos = combos.SelectMany(prefix => condition.Values.Select(value => $"{prefix}{condition.Field}={value};"));
            }

            var map = string.Join(",", v.FieldMappings.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
            return combos.Select(c => c + " map " + map);
        }
    }

    [Fact]
    public void A_custom_pipeline_maps_fields_and_routes()
    {
        var pipeline = SigmaPipeline.Parse("""
            logsources:
                web:
                    category: webserver
                    conditions: {Channel: nginx}
                    fieldmappings: {cs-uri-query: query}
            """, "test");
        var rule = Whoami.Replace("{category: process_creation, product: windows}", "{category: webserver}", StringComparison.Ordinal)
            .Replace("Image|endswith: '\\whoami.exe'\n        ParentImage|endswith: '\\cmd.exe'", "cs-uri-query|contains: 'cmd='", StringComparison.Ordinal);
        var engine = Engine(rule, new SigmaEngineOptions { Pipeline = pipeline });
        Assert.Single(Run(engine, """{"Channel": "nginx", "query": "a=1&cmd=id"}"""));
        Assert.Empty(Run(engine, """{"Channel": "apache", "query": "a=1&cmd=id"}"""));
        Assert.Empty(Run(engine, """{"Channel": "nginx", "cs-uri-query": "a=1&cmd=id"}"""));
    }
}
