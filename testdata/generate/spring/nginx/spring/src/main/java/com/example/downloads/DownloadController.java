// Serves /files/<name> from the private directory after a permission
// check. Written by: xaccel generate --backend spring --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
//
// With xaccel.enabled (XACCEL_ENABLED unset or anything but "0") the
// answer is empty and carries X-Accel-Redirect; nginx sends the file.
// With XACCEL_ENABLED=0 (development) the same handler streams the same file
// with the same headers (and Range support) itself.
package com.example.downloads;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.MediaTypeFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriUtils;

@RestController
public class DownloadController {

	private final DownloadPermission permission;
	private final boolean accel;
	private final String root;
	private final String prefix;

	public DownloadController(DownloadPermission permission,
			@Value("${xaccel.enabled:1}") String enabled,
			@Value("${xaccel.prefix:/_private/}") String prefix,
			@Value("${xaccel.root:/srv/example/private-files}") String root) {
		this.permission = permission;
		this.accel = !"0".equals(enabled.trim());
		this.root = root;
		this.prefix = prefix;
	}

	// GET and HEAD only; {*path} is the rest of the URL, percent-decoded.
	@RequestMapping(path = "/files/{*path}", method = { RequestMethod.GET, RequestMethod.HEAD })
	public ResponseEntity<Resource> download(@PathVariable String path, HttpServletRequest request) {
		String rel = safeRelPath(path);
		// A denial looks like a missing file, so the answer does not tell
		// which files exist.
		if (rel == null || !permission.canDownload(request, rel)) {
			return ResponseEntity.notFound().build();
		}
		Path file = privateFile(rel);
		if (file == null) {
			return ResponseEntity.notFound().build();
		}
		String name = rel.substring(rel.lastIndexOf('/') + 1);

		HttpHeaders headers = new HttpHeaders();
		// The real type: the front server passes the app's Content-Type through.
		headers.setContentType(MediaTypeFactory.getMediaType(name).orElse(MediaType.APPLICATION_OCTET_STREAM));
		headers.set(HttpHeaders.CONTENT_DISPOSITION, contentDisposition(name));
		// Not for shared caches: the answer depends on who asked.
		headers.setCacheControl("private, no-store");
		// nginx sets these two as well; they matter for the streamed path.
		headers.set("X-Content-Type-Options", "nosniff");
		headers.set("Content-Security-Policy", "default-src 'none'; sandbox");

		if (accel) {
			// A URI, not a path: every segment percent-encoded once.
			// encodePathSegment encodes everything but RFC 3986 pchar, so
			// ?, #, % and non-ASCII letters cannot end the path early.
			StringBuilder uri = new StringBuilder(prefix);
			String[] segments = rel.split("/");
			for (int i = 0; i < segments.length; i++) {
				uri.append(i == 0 ? "" : "/").append(UriUtils.encodePathSegment(segments[i], StandardCharsets.UTF_8));
			}
			headers.set("X-Accel-Redirect", uri.toString());
			return ResponseEntity.ok().headers(headers).build();
		}
		// Development: Spring streams the file and answers Range requests.
		return ResponseEntity.ok().headers(headers).body(new FileSystemResource(file));
	}

	// The name from the URL as a clean relative path, or null: empty names,
	// NUL, backslashes and "." or ".." segments are refused, never "fixed".
	static String safeRelPath(String name) {
		if (name == null) {
			return null;
		}
		if (name.startsWith("/")) {
			name = name.substring(1);
		}
		if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
			return null;
		}
		for (String segment : name.split("/", -1)) {
			if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
				return null;
			}
		}
		return name;
	}

	// The file when it is a regular file inside the private directory;
	// toRealPath resolves symlinks, so one that leads out is refused.
	private Path privateFile(String rel) {
		try {
			Path base = Path.of(root).toRealPath();
			Path file = base.resolve(rel).toRealPath();
			return file.startsWith(base) && !file.equals(base) && Files.isRegularFile(file) ? file : null;
		}
		catch (IOException | InvalidPathException | SecurityException ex) {
			return null;
		}
	}

	// attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>.
	// ContentDisposition.filename(name, UTF_8) writes its fallback as RFC 2047
	// (=?UTF-8?Q?...?=) before Spring 7 (spring-framework#31940), which
	// browsers and curl -OJ keep literally; so the fallback is built here
	// (non-ASCII and % replaced by _; ContentDisposition quotes and escapes
	// it) and filename* is appended.
	static String contentDisposition(String name) {
		StringBuilder fallback = new StringBuilder();
		StringBuilder star = new StringBuilder();
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			fallback.append(c < 0x20 || c > 0x7e || c == '%' ? '_' : c);
		}
		for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
			int c = b & 0xff;
			if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$&+-.^_`|~".indexOf(c) >= 0) {
				star.append((char) c);
			}
			else {
				star.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
						.append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
			}
		}
		return ContentDisposition.attachment().filename(fallback.toString()).build() + "; filename*=UTF-8''" + star;
	}
}
