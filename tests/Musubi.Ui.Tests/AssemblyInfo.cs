using Xunit.Sdk;
using Xunit.v3;

// Each test class starts its own server and Chromium; on a 2-core machine shared with other builds, one at a time is
// faster and steadier than all at once.
[assembly: Parallelization(Mode = ParallelMode.None)]
