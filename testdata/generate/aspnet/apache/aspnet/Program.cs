// A minimal ASP.NET Core app around DownloadEndpoints. Written by: xaccel generate --backend aspnet --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
//
// Run it behind apache; set XACCEL_ENABLED=0 to run it alone in
// development: the same endpoint then streams the file itself.
using Downloads;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<IDownloadPermission, DownloadPermission>();
builder.WebHost.UseUrls("http://127.0.0.1:5000");
// X-Sendfile holds the file's path as it is; Kestrel would throw on a
// non-ASCII name unless this header is written as UTF-8.
builder.WebHost.ConfigureKestrel(k => k.ResponseHeaderEncodingSelector =
    header => header.Equals("X-Sendfile", StringComparison.OrdinalIgnoreCase) ? System.Text.Encoding.UTF8 : null);

var app = builder.Build();
app.MapDownloads(XaccelOptions.From(app.Configuration));
app.Run();
