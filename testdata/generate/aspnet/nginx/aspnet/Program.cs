// A minimal ASP.NET Core app around DownloadEndpoints. Written by: xaccel generate --backend aspnet --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
//
// Run it behind nginx; set XACCEL_ENABLED=0 to run it alone in
// development: the same endpoint then streams the file itself.
using Downloads;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<IDownloadPermission, DownloadPermission>();
builder.WebHost.UseUrls("http://127.0.0.1:5000");

var app = builder.Build();
app.MapDownloads(XaccelOptions.From(app.Configuration));
app.Run();
