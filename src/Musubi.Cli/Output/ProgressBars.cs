using System.Globalization;
using Musubi.Infrastructure.Constituency.Exchange;
using Spectre.Console;

namespace Musubi.Cli.Output;

/// <summary>
/// Progress bars for the stages of a long operation (reading, validating, writing), with counts. On a terminal they
/// redraw in place; when the output is a file or a CI log, one plain line is written as each stage ends instead.
/// </summary>
internal static class ProgressBars
{
    public static async Task<T> RunAsync<T>(CliEnvironment env, Func<IProgress<ExchangeProgress>, Task<T>> work)
    {
        if (env.Console.Profile.Capabilities.Interactive)
        {
            return await Bars(env.Console, work);
        }

        var lines = new StageLines(env.Output);
        var result = await work(lines);
        lines.Finish();
        return result;
    }

    private static Task<T> Bars<T>(IAnsiConsole console, Func<IProgress<ExchangeProgress>, Task<T>> work) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var stages = new StageProgress(context);
                var result = await work(stages);
                stages.Finish();
                return result;
            });

    /// <summary>One bar per stage, created when the stage starts; synchronous, so counts never arrive out of order.</summary>
    private sealed class StageProgress(ProgressContext context) : IProgress<ExchangeProgress>
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<ExchangeStage, ProgressTask> _tasks = [];
        private ProgressTask? _current;

        public void Report(ExchangeProgress value)
        {
            lock (_gate)
            {
                if (!_tasks.TryGetValue(value.Stage, out var task))
                {
                    Complete(_current);
                    task = context.AddTask(Label(value.Stage), autoStart: true, maxValue: 1);
                    _tasks[value.Stage] = task;
                    _current = task;
                }

                task.IsIndeterminate = value.Total is null;
                task.MaxValue = Math.Max(1, value.Total ?? 1);
                task.Value = Math.Min(value.Done, task.MaxValue);
                task.Description = Markup.Escape(Describe(value));
            }
        }

        public void Finish()
        {
            lock (_gate)
            {
                Complete(_current);
            }
        }

        private static void Complete(ProgressTask? task)
        {
            if (task is not null)
            {
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }

        internal static string Label(ExchangeStage stage) => stage switch
        {
            ExchangeStage.Reading => "Reading",
            ExchangeStage.Validating => "Validating",
            _ => "Writing",
        };

        internal static string Describe(ExchangeProgress p)
        {
            var what = p.Stage switch
            {
                ExchangeStage.Reading when p.Total is { } bytes => $"{Megabytes(p.Done)} of {Megabytes(bytes)}",
                ExchangeStage.Reading => p.Detail ?? "",
                _ when p.Total is { } total =>
                    $"{p.Done.ToString("N0", CultureInfo.InvariantCulture)} of {total.ToString("N0", CultureInfo.InvariantCulture)} {p.Detail ?? "records"}",
                _ => p.Detail ?? "",
            };
            return $"{Label(p.Stage),-10} {what}";
        }

        private static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
    }

    /// <summary>For logs: "Reading   0.1 MB of 0.1 MB" once each stage is over, with its final count.</summary>
    private sealed class StageLines(TextWriter output) : IProgress<ExchangeProgress>
    {
        private readonly Lock _gate = new();
        private ExchangeProgress? _last;

        public void Report(ExchangeProgress value)
        {
            lock (_gate)
            {
                if (_last is { } last && last.Stage != value.Stage)
                {
                    output.WriteLine(StageProgress.Describe(last));
                }

                _last = value;
            }
        }

        public void Finish()
        {
            lock (_gate)
            {
                if (_last is { } last)
                {
                    output.WriteLine(StageProgress.Describe(last));
                }

                _last = null;
            }
        }
    }
}
