// Who may download what. Written by: xaccel generate --backend aspnet --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
namespace Downloads;

public interface IDownloadPermission
{
    // Whether the request may have the file at rel (a clean path relative
    // to the private directory, such as "invoices/2024/a.pdf").
    bool CanDownload(HttpContext context, string rel);
}

// Replace this with your rule: look the file up in your database and check
// that the signed-in user (context.User) may see that row. It denies
// everything until you do. A denial is answered with 404, like a missing
// file, so the answer does not tell which files exist.
public sealed class DownloadPermission : IDownloadPermission
{
    public bool CanDownload(HttpContext context, string rel) => false;
}
