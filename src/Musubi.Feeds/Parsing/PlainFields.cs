namespace Musubi.Feeds.Parsing;

/// <summary>Splits a line on a delimiter with no quoting (pipe- and tab-separated feeds), trimming blanks.</summary>
public static class PlainFields
{
    /// <returns>The number of fields, or -1 when there are more than <paramref name="ranges"/> can hold.</returns>
    public static int Split(ReadOnlySpan<byte> line, byte delimiter, Span<Range> ranges)
    {
        int count = 0;
        int start = 0;
        for (int i = 0; i <= line.Length; i++)
        {
            if (i == line.Length || line[i] == delimiter)
            {
                if (count == ranges.Length)
                {
                    return -1;
                }

                int s = start;
                int e = i;
                while (s < e && line[s] is (byte)' ' or (byte)'\t')
                {
                    s++;
                }

                while (e > s && line[e - 1] is (byte)' ' or (byte)'\t')
                {
                    e--;
                }

                ranges[count++] = s..e;
                start = i + 1;
            }
        }

        return count;
    }
}
