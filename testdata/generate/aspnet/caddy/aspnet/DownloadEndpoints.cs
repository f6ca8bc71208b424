// Serves /files/<name> from the private directory after a permission
// check. Written by: xaccel generate --backend aspnet --front caddy --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
//
// With X-Accel on (XACCEL_ENABLED unset or anything but "0") the answer is
// empty and carries X-Accel-Redirect; caddy sends the file. With
// XACCEL_ENABLED=0 (development) the same endpoint streams the same file with
// the same headers (and Range support) itself.
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Downloads;

public sealed class XaccelOptions
{
    public bool Enabled { get; init; } = true;
    // The internal location that serves Root; it must match caddy's.
    public string Prefix { get; init; } = "/_private/";
    // The private directory.
    public string Root { get; init; } = "/srv/example/private-files";

    // The "Xaccel" section of appsettings.json; XACCEL_ENABLED=0 in the
    // environment switches X-Accel off whatever the file says.
    public static XaccelOptions From(IConfiguration config)
    {
        var section = config.GetSection("Xaccel");
        var enabled = config["XACCEL_ENABLED"] ?? section["Enabled"] ?? "1";
        return new XaccelOptions
        {
            Enabled = enabled.Trim() != "0" && !enabled.Trim().Equals("false", StringComparison.OrdinalIgnoreCase),
            Prefix = section["Prefix"] ?? "/_private/",
            Root = section["Root"] ?? "/srv/example/private-files",
        };
    }
}

public static class DownloadEndpoints
{
    static readonly FileExtensionContentTypeProvider ContentTypes = new();

    // app.MapDownloads(XaccelOptions.From(builder.Configuration));
    public static IEndpointConventionBuilder MapDownloads(this IEndpointRouteBuilder app, XaccelOptions options) =>
        // GET and HEAD only; {**path} is the rest of the URL.
        app.MapMethods("/files" + "/{**path}", new[] { "GET", "HEAD" },
            (HttpContext context, string? path, IDownloadPermission permission) => Download(context, path, permission, options));

    static IResult Download(HttpContext context, string? path, IDownloadPermission permission, XaccelOptions options)
    {
        var rel = SafeRelPath(path);
        // A denial looks like a missing file, so the answer does not tell
        // which files exist.
        if (rel is null || !permission.CanDownload(context, rel))
        {
            return Results.NotFound();
        }
        var file = PrivateFile(options.Root, rel);
        if (file is null)
        {
            return Results.NotFound();
        }
        var name = rel[(rel.LastIndexOf('/') + 1)..];

        // The real type: the front server passes the app's Content-Type through.
        if (!ContentTypes.TryGetContentType(name, out var contentType))
        {
            contentType = "application/octet-stream";
        }
        var headers = context.Response.Headers;
        // Not for shared caches: the answer depends on who asked.
        headers.CacheControl = "private, no-store";
        // caddy sets these two as well; they matter for the streamed path.
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";

        if (!options.Enabled)
        {
            // Development: the same helper writes Content-Disposition and
            // answers Range and conditional requests.
            return Results.File(file, contentType, name, enableRangeProcessing: true);
        }
        // SetHttpFileName writes an ASCII filename= (non-ASCII replaced,
        // quotes escaped) and filename*=UTF-8''..., as Results.File does.
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(name);
        headers.ContentDisposition = disposition.ToString();
        context.Response.ContentType = contentType;
        // A URI, not a path: every segment percent-encoded once (Kestrel
        // also refuses non-ASCII header values), so names with %, ?, # or
        // non-ASCII letters reach the right file.
        headers["X-Accel-Redirect"] = options.Prefix + string.Join('/', rel.Split('/').Select(Uri.EscapeDataString));
        return Results.Empty;
    }

    // The name from the URL as a clean relative path, or null: empty names,
    // NUL, backslashes and "." or ".." segments are refused, never "fixed".
    public static string? SafeRelPath(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('\0') || name.Contains('\\') || name.StartsWith('/'))
        {
            return null;
        }
        foreach (var segment in name.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return null;
            }
        }
        return name;
    }

    // The full path when rel is a regular file inside root, reached without
    // a symlink (a link could lead out of the private directory).
    static string? PrivateFile(string root, string rel)
    {
        try
        {
            var baseDir = Path.GetFullPath(root);
            var current = baseDir;
            foreach (var segment in rel.Split('/'))
            {
                current = Path.Combine(current, segment);
                var info = new FileInfo(current);
                if (!info.Exists && !Directory.Exists(current) || info.LinkTarget is not null)
                {
                    return null;
                }
            }
            var full = Path.GetFullPath(current);
            return full.StartsWith(baseDir + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(full) ? full : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }
}
