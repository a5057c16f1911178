using Musubi.Detection.Sigma;
using static Musubi.Detection.Tests.SigmaTestKit;

namespace Musubi.Detection.Tests;

public sealed class ModifierTests
{
    private const string Cmd = """{"CommandLine": "C:\\Windows\\System32\\cmd.exe /c Whoami -All", "Image": "C:\\Windows\\System32\\cmd.exe", "Count": 42, "Ratio": 0.5, "Empty": "", "Nothing": null, "Flag": true}""";

    [Theory]
    [InlineData("CommandLine|contains: 'WHOAMI'", true)]
    [InlineData("CommandLine|contains: 'whoami -none'", false)]
    [InlineData("Image|endswith: '\\cmd.exe'", true)]
    [InlineData("Image|endswith: 'cmd'", false)]
    [InlineData("Image|startswith: 'c:\\windows\\'", true)]
    [InlineData("Image|startswith: 'System32'", false)]
    [InlineData("Image: 'c:\\windows\\system32\\CMD.EXE'", true)]
    [InlineData("Image: 'cmd.exe'", false)]
    public void String_modifiers_match_case_insensitively_by_default(string selection, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n    {selection}", Cmd));

    [Theory]
    [InlineData("Image: '*\\cmd.*'", true)]
    [InlineData("Image: 'C:\\Windows\\System3?\\cmd.exe'", true)]
    [InlineData("Image: 'C:\\Windows\\System?\\cmd.exe'", false)]
    [InlineData("Image: 'C:\\\\*\\cmd.exe'", true)]
    [InlineData("Image: 'C:\\*\\cmd.exe'", false)]
    [InlineData("Image: '*System32*cmd*'", true)]
    [InlineData("Image: '*System64*'", false)]
    [InlineData("Empty: ''", true)]
    [InlineData("Empty: '*'", true)]
    [InlineData("Image: ''", false)]
    public void Wildcards_match_any_run_and_one_character(string selection, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n    {selection}", Cmd));

    [Theory]
    [InlineData("""{"V": "a*b"}""", "V: 'a\\*b'", true)]
    [InlineData("""{"V": "axb"}""", "V: 'a\\*b'", false)]
    [InlineData("""{"V": "a?b"}""", "V: 'a\\?b'", true)]
    [InlineData("""{"V": "a\\b"}""", "V: 'a\\\\b'", true)]
    [InlineData("""{"V": "a\\b"}""", "V: 'a\\b'", true)]
    [InlineData("""{"V": "a\\xyz"}""", "V: 'a\\\\*'", true)]
    [InlineData("""{"V": "a\\*"}""", "V: 'a\\\\\\*'", true)]
    [InlineData("""{"V": "a\\xyz"}""", "V: 'a\\\\\\*'", false)]
    [InlineData("""{"V": "a\\\\b"}""", "V: 'a\\\\\\\\b'", true)]
    public void Backslash_escapes_wildcards_and_itself(string json, string selection, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n    {selection}", json));

    [Fact]
    public void Lists_are_or_linked_and_all_makes_them_and_linked()
    {
        Assert.True(Matches("selection:\n    CommandLine|contains:\n        - 'nothing'\n        - 'whoami'", Cmd));
        Assert.True(Matches("selection:\n    CommandLine|contains|all:\n        - '/c'\n        - 'whoami'", Cmd));
        Assert.False(Matches("selection:\n    CommandLine|contains|all:\n        - '/c'\n        - 'nothing'", Cmd));
    }

    [Fact]
    public void Maps_are_and_linked_and_lists_of_maps_or_linked()
    {
        Assert.True(Matches("selection:\n    Image|endswith: 'cmd.exe'\n    CommandLine|contains: 'whoami'", Cmd));
        Assert.False(Matches("selection:\n    Image|endswith: 'cmd.exe'\n    CommandLine|contains: 'nothing'", Cmd));
        Assert.True(Matches("selection:\n    - Image|endswith: 'x.exe'\n    - CommandLine|contains: 'whoami'", Cmd));
        Assert.False(Matches("selection:\n    - Image|endswith: 'x.exe'\n    - CommandLine|contains: 'nothing'", Cmd));
    }

    [Fact]
    public void Cased_matches_case_sensitively()
    {
        Assert.True(Matches("selection:\n    CommandLine|contains|cased: 'Whoami'", Cmd));
        Assert.False(Matches("selection:\n    CommandLine|contains|cased: 'whoami'", Cmd));
    }

    [Fact]
    public void Null_matches_a_missing_or_null_field_and_empty_only_an_empty_string()
    {
        Assert.True(Matches("selection:\n    Nothing: null", Cmd));
        Assert.True(Matches("selection:\n    Missing: null", Cmd));
        Assert.False(Matches("selection:\n    Empty: null", Cmd));
        Assert.False(Matches("selection:\n    Nothing: ''", Cmd));
        Assert.True(Matches("selection:\n    Empty: ''", Cmd));
        Assert.False(Matches("selection:\n    Missing: ''", Cmd));
    }

    [Fact]
    public void Exists_checks_presence_whatever_the_value()
    {
        Assert.True(Matches("selection:\n    Nothing|exists: true", Cmd));
        Assert.True(Matches("selection:\n    Empty|exists: true", Cmd));
        Assert.False(Matches("selection:\n    Missing|exists: true", Cmd));
        Assert.True(Matches("selection:\n    Missing|exists: false", Cmd));
        Assert.False(Matches("selection:\n    Image|exists: false", Cmd));
    }

    [Fact]
    public void Numbers_and_strings_compare_by_text_and_numeric_modifiers_by_value()
    {
        Assert.True(Matches("selection:\n    Count: 42", Cmd));
        Assert.True(Matches("selection:\n    Count: '42'", Cmd));
        Assert.False(Matches("selection:\n    Count: 4", Cmd));
        Assert.True(Matches("selection:\n    Flag: true", Cmd));
        Assert.True(Matches("selection:\n    Count|gt: 41", Cmd));
        Assert.False(Matches("selection:\n    Count|gt: 42", Cmd));
        Assert.True(Matches("selection:\n    Count|gte: 42", Cmd));
        Assert.True(Matches("selection:\n    Count|lt: 42.5", Cmd));
        Assert.False(Matches("selection:\n    Count|lt: 42", Cmd));
        Assert.True(Matches("selection:\n    Count|lte: 42", Cmd));
        Assert.True(Matches("selection:\n    Ratio|lt: 1", Cmd));
        Assert.False(Matches("selection:\n    Image|lt: 1", Cmd));
        Assert.True(Matches("selection:\n    V|gt: 0x10", """{"V": "0x20"}"""));
    }

    [Fact]
    public void Neq_needs_the_field_and_differs_from_every_value()
    {
        Assert.True(Matches("selection:\n    Count|neq: 41", Cmd));
        Assert.False(Matches("selection:\n    Count|neq: 42", Cmd));
        Assert.False(Matches("selection:\n    Count|neq:\n        - 41\n        - 42", Cmd));
        Assert.False(Matches("selection:\n    Missing|neq: 1", Cmd));
        Assert.True(Matches("selection:\n    Image|endswith|neq: 'x.exe'", Cmd));
        Assert.True(Matches("selection:\n    Nothing|neq: null", """{"Nothing": "set"}"""));
    }

    [Theory]
    [InlineData("CommandLine|re: 'Whoami\\s+-All$'", true)]
    [InlineData("CommandLine|re: 'whoami'", false)]
    [InlineData("CommandLine|re|i: 'whoami'", true)]
    [InlineData("CommandLine|re: '^C:.*All$'", true)]
    public void Re_is_case_sensitive_unless_i(string selection, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n    {selection}", Cmd));

    [Fact]
    public void Re_m_and_s_flags_change_anchors_and_dot()
    {
        const string json = """{"V": "first line\nsecond line"}""";
        Assert.False(Matches("selection:\n    V|re: '^second'", json));
        Assert.True(Matches("selection:\n    V|re|m: '^second'", json));
        Assert.False(Matches("selection:\n    V|re: 'first.second'", json));
        Assert.True(Matches("selection:\n    V|re|s: 'first.*second'", json));
        Assert.True(Matches("selection:\n    V|re|i|m: '^SECOND'", json));
    }

    [Theory]
    [InlineData("10.1.2.3", "10.0.0.0/8", true)]
    [InlineData("11.1.2.3", "10.0.0.0/8", false)]
    [InlineData("192.168.1.255", "192.168.1.0/24", true)]
    [InlineData("2001:db8::1", "2001:db8::/32", true)]
    [InlineData("2001:db9::1", "2001:db8::/32", false)]
    [InlineData("::ffff:10.0.0.1", "10.0.0.0/8", true)]
    [InlineData("not an address", "10.0.0.0/8", false)]
    public void Cidr_matches_addresses_in_the_network(string address, string network, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n    Ip|cidr: '{network}'", $$"""{"Ip": "{{address}}"}"""));

    [Fact]
    public void Base64_matches_the_encoded_value_case_sensitively()
    {
        // "whoami" → d2hvYW1p
        Assert.True(Matches("selection:\n    V|base64: 'whoami'", """{"V": "d2hvYW1p"}"""));
        Assert.False(Matches("selection:\n    V|base64: 'whoami'", """{"V": "D2HVYW1P"}"""));
        Assert.True(Matches("selection:\n    V|base64|contains: 'whoami'", """{"V": "xx d2hvYW1p yy"}"""));
    }

    [Theory]
    [InlineData("whoami /all")]
    [InlineData("x whoami /all")]
    [InlineData("xy whoami /all")]
    [InlineData("xyz whoami")]
    public void Base64offset_finds_the_value_at_any_byte_offset(string plain)
    {
        var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(plain));
        Assert.True(Matches("selection:\n    V|base64offset|contains: 'whoami'", $$"""{"V": "{{encoded}}"}"""));
        var other = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(plain.Replace("whoami", "whoare", StringComparison.Ordinal)));
        Assert.False(Matches("selection:\n    V|base64offset|contains: 'whoami'", $$"""{"V": "{{other}}"}"""));
    }

    [Theory]
    [InlineData("utf16le")]
    [InlineData("wide")]
    public void Utf16le_then_base64offset_finds_powershell_encoded_commands(string modifier)
    {
        var encoded = Convert.ToBase64String(System.Text.Encoding.Unicode.GetBytes("IEX (New-Object Net.WebClient)"));
        Assert.True(Matches($"selection:\n    V|{modifier}|base64offset|contains: 'New-Object'", $$"""{"V": "powershell -enc {{encoded}}"}"""));
        Assert.False(Matches($"selection:\n    V|{modifier}|base64offset|contains: 'Get-Item'", $$"""{"V": "powershell -enc {{encoded}}"}"""));
    }

    [Fact]
    public void Utf16be_and_utf16_with_bom_encode_before_base64()
    {
        Assert.True(Matches("selection:\n    V|utf16be|base64: 'cmd'", $$"""{"V": "{{Convert.ToBase64String(System.Text.Encoding.BigEndianUnicode.GetBytes("cmd"))}}"}"""));
        Assert.True(Matches("selection:\n    V|utf16|base64: 'cmd'", $$"""{"V": "{{Convert.ToBase64String([0xFF, 0xFE, .. System.Text.Encoding.Unicode.GetBytes("cmd")])}}"}"""));
        Assert.False(Matches("selection:\n    V|utf16|base64: 'cmd'", $$"""{"V": "{{Convert.ToBase64String(System.Text.Encoding.Unicode.GetBytes("cmd"))}}"}"""));
    }

    [Theory]
    [InlineData("net user -add", true)]
    [InlineData("net user /add", true)]
    [InlineData("net user \u2013add", true)]
    [InlineData("net user \u2014add", true)]
    [InlineData("net user \u2015add", true)]
    [InlineData("net user +add", false)]
    public void Windash_accepts_every_dash_variant(string commandLine, bool expected) =>
        Assert.Equal(expected, Matches("selection:\n    V|windash|contains: ' -add'", $$"""{"V": "{{commandLine}}"}"""));

    [Fact]
    public void Fieldref_compares_with_another_field_of_the_event()
    {
        Assert.True(Matches("selection:\n    A|fieldref: B", """{"A": "Admin", "B": "admin"}"""));
        Assert.False(Matches("selection:\n    A|fieldref: B", """{"A": "Admin", "B": "root"}"""));
        Assert.False(Matches("selection:\n    A|fieldref: B", """{"A": "Admin"}"""));
        Assert.True(Matches("selection:\n    A|fieldref|neq: B", """{"A": "Admin", "B": "root"}"""));
        Assert.True(Matches("selection:\n    A|fieldref|startswith: B", """{"A": "C:\\Temp\\x.exe", "B": "c:\\temp"}"""));
        Assert.False(Matches("selection:\n    A|fieldref|cased: B", """{"A": "Admin", "B": "admin"}"""));
    }

    [Fact]
    public void Expand_replaces_placeholders_with_configured_values()
    {
        var options = new SigmaEngineOptions
        {
            Pipeline = Sigma.Pipelines.SigmaPipeline.None,
            Placeholders = new Dictionary<string, IReadOnlyList<string>> { ["Admins"] = ["adm_*", "root"] },
        };
        Assert.True(Matches("selection:\n    User|expand: '%Admins%'", """{"User": "ADM_bob"}""", options: options));
        Assert.True(Matches("selection:\n    User|expand: '%Admins%'", """{"User": "root"}""", options: options));
        Assert.False(Matches("selection:\n    User|expand: '%Admins%'", """{"User": "bob"}""", options: options));
        Assert.True(Matches("selection:\n    User|expand: '\\%x%Admins%'", """{"User": "%xroot"}""", options: options));
        Assert.True(Matches("selection:\n    User: '%Admins%'", """{"User": "%admins%"}""", options: options));
    }

    [Theory]
    [InlineData("T|hour: 7", true)]
    [InlineData("T|hour|gte: 8", false)]
    [InlineData("T|minute: 40", true)]
    [InlineData("T|day: 27", true)]
    [InlineData("T|month: 11", true)]
    [InlineData("T|year|lt: 2026", true)]
    [InlineData("T|week: 48", true)]
    public void Time_modifiers_take_a_number_from_a_date(string selection, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n    {selection}", """{"T": "2025-11-27T07:40:10.165324Z"}"""));

    [Fact]
    public void Keywords_search_every_value_and_all_needs_each_keyword()
    {
        Assert.True(Matches("keywords:\n    - 'nothing'\n    - 'whoami'", Cmd, "keywords"));
        Assert.False(Matches("keywords:\n    - 'nothing'", Cmd, "keywords"));
        Assert.True(Matches("keywords:\n    '|all':\n        - 'whoami'\n        - 'system32'", Cmd, "keywords"));
        Assert.False(Matches("keywords:\n    '|all':\n        - 'whoami'\n        - 'nothing'", Cmd, "keywords"));
        Assert.True(Matches("keywords:\n    - 42", Cmd, "keywords"));
    }

    [Fact]
    public void A_field_with_an_array_value_matches_when_any_element_does()
    {
        Assert.True(Matches("selection:\n    Tags: 'b'", """{"Tags": ["a", "b"]}"""));
        Assert.False(Matches("selection:\n    Tags: 'c'", """{"Tags": ["a", "b"]}"""));
        Assert.True(Matches("selection:\n    Tags|all:\n        - 'a'\n        - 'b'", """{"Tags": ["a", "b"]}"""));
    }

    [Fact]
    public void Nested_json_fields_are_dotted()
    {
        Assert.True(Matches("selection:\n    userIdentity.arn|endswith: ':root'", """{"userIdentity": {"arn": "arn:aws:iam::1:root"}}"""));
        Assert.True(Matches("selection:\n    a.b.c: 1", """{"a": {"b": {"c": 1}}}"""));
    }

    [Theory]
    [InlineData("V|nothing: 'x'", "unknown modifier 'nothing' in 'V|nothing'")]
    [InlineData("V|i: 'x'", "modifier 'i' in 'V|i' is a flag of 're' and must follow it")]
    [InlineData("V|re: '(unclosed'", "invalid regular expression")]
    [InlineData("V|re: 'a++'", "invalid regular expression")]
    [InlineData("V|re|contains: 'x'", "modifier 'contains' cannot be combined with 're'")]
    [InlineData("V|all: 'x'", "'all' needs a list of at least two values")]
    [InlineData("V|cidr: '10.0.0.0/33'", "is not a CIDR network")]
    [InlineData("V|gt: 'abc'", "'abc' is not a number")]
    [InlineData("V|exists: 'yes'", "'exists' takes true or false")]
    [InlineData("V|expand: '%Unknown%'", "placeholder '%Unknown%' has no configured values")]
    [InlineData("V|base64: 'a*'", "wildcards cannot be encoded by 'base64'")]
    [InlineData("V|contains|contains: 'x'", "modifier 'contains' repeated")]
    [InlineData("V: {a: 1}", "a field value cannot be a map")]
    [InlineData("V:\n        - ''\n        - null", "null cannot be part of a list of values")]
    public void Unsupported_values_and_modifiers_are_rejected_with_the_reason(string selection, string reason) =>
        Assert.Contains(reason, Rejection(Rule($"selection:\n    {selection}")), StringComparison.Ordinal);
}
