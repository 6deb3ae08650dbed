using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Cloud.Log.Console.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download): one browser for the assembly, a fresh
/// context per test. Without <c>/usr/bin/chromium</c> every browser test skips with <see cref="Missing"/>.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public const string Missing = "Chromium is not installed at /usr/bin/chromium (eng/ensure-system-packages.sh installs it): the console's browser tests are skipped.";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly ConcurrentDictionary<IPage, ConcurrentQueue<string>> _errors = new();

    public bool Available => _browser is not null;

    /// <summary>Where screenshots go: the repository's artifacts/console/ (not committed), else the test output.</summary>
    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        // Expect's assertions have a timeout of their own (5 s unless set): a page under a loaded CI machine
        // can take longer than that for its first API answer, so they wait as long as the pages' actions do.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A page in a context of its own (its own sessionStorage), 1280 by 860, with a 20 s default timeout (the same as Expect's, set once for the assembly).</summary>
    public async Task<IPage> NewPageAsync()
    {
        Assert.SkipUnless(Available, Missing);
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        var errors = _errors.GetOrAdd(page, _ => new ConcurrentQueue<string>());
        page.PageError += (_, error) => errors.Enqueue(error);
        return page;
    }

    /// <summary>The uncaught script errors of <paramref name="page"/> so far.</summary>
    public IReadOnlyCollection<string> ErrorsOf(IPage page) => _errors.TryGetValue(page, out var errors) ? [.. errors] : [];

    /// <summary>Writes a full-page screenshot named <paramref name="name"/>.png.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    private static string FindScreenshotDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cloud.Log.sln")))
            {
                return Path.Combine(dir.FullName, "artifacts", "console");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "screenshots");
    }
}
