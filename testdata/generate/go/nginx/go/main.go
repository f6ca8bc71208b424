// Command downloads serves /files/<name> with the download handler
// in ./download. Written by: xaccel generate --backend go --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
//
// Run it behind nginx; set XACCEL_ENABLED=0 to run it alone in
// development: the same handler then streams the file itself.
package main

import (
	"log"
	"net"
	"net/http"
	"os"

	"example.com/downloads/download"
)

func main() {
	// XACCEL_FILES_DIR in the environment points the app at a local copy
	// of the private directory (development, and the check in
	// xaccel-check.sh).
	root := os.Getenv("XACCEL_FILES_DIR")
	if root == "" {
		root = "/srv/example/private-files"
	}
	h, err := download.New(download.Config{
		Root:   root,
		Prefix: "/_private/",
		Accel:  os.Getenv("XACCEL_ENABLED") != "0",
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files", h))
	ln, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("serving /files/ on %s (X-Accel: %v)", ln.Addr(), os.Getenv("XACCEL_ENABLED") != "0")
	log.Fatal(http.Serve(ln, mux))
}
