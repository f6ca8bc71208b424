// A minimal Spring Boot app around DownloadController (needs
// spring-boot-starter-web, Spring Boot 3). Written by: xaccel generate --backend spring --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
//
// Run it behind nginx; set XACCEL_ENABLED=0 to run it alone in
// development: the same controller then streams the file itself.
package com.example.downloads;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class DownloadsApplication {

	public static void main(String[] args) {
		SpringApplication.run(DownloadsApplication.class, args);
	}
}
