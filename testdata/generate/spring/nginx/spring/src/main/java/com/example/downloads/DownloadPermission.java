// Who may download what. Written by: xaccel generate --backend spring --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
package com.example.downloads;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.stereotype.Component;

@Component
public class DownloadPermission {

	/**
	 * Whether the request may have the file at rel (a clean path relative to
	 * the private directory, such as "invoices/2024/a.pdf"). Replace this
	 * with your rule: look the file up in your database and check that the
	 * signed-in user may see that row.
	 *
	 * It denies everything until you do. A denial is answered with 404, like
	 * a missing file, so the answer does not tell which files exist.
	 */
	public boolean canDownload(HttpServletRequest request, String rel) {
		return false;
	}
}
