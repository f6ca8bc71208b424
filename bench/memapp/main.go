// Command memapp is the app of bench/memory.sh, on 127.0.0.1:PORT (the
// only argument): POST /up reads and counts the request body and answers
// "got N"; GET /bighdr answers with one header line of SIZE bytes (the
// second argument), written in pieces, which a proxy must refuse.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: memapp PORT HEADER-SIZE")
		os.Exit(2)
	}
	size, err := strconv.ParseInt(os.Args[2], 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go handle(c, size)
	}
}

func handle(c net.Conn, size int64) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if strings.HasSuffix(req.URL.Path, "/bighdr") {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: ")
		chunk := []byte(strings.Repeat("b", 1<<16))
		for n := int64(0); n < size; n += int64(len(chunk)) {
			if _, err := c.Write(chunk); err != nil {
				return // the proxy gave up on the header
			}
		}
		io.WriteString(c, "\r\nContent-Length: 0\r\n\r\n")
		return
	}
	n, _ := io.Copy(io.Discard, req.Body)
	body := fmt.Sprintf("got %d", n)
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}
