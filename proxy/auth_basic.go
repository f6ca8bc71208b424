//go:build unix

package proxy

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// The basic authentication module (ngx_http_auth_basic_module).

// basicCredentials is ngx_http_auth_basic_user: the user and password of an
// `Authorization: Basic` header (the scheme in any case, spaces after it),
// or ok false when there is none or it cannot be read.
func basicCredentials(r *http.Request) (user, password string, ok bool) {
	v, found := firstHeader(r, "Authorization")
	if !found || len(v) < 6 || !strings.EqualFold(v[:6], "basic ") {
		return "", "", false
	}
	enc := strings.TrimLeft(v[6:], " ")
	if enc == "" {
		return "", "", false
	}
	dec, err := decodeBase64Lenient(enc)
	if err != nil {
		return "", "", false
	}
	user, password, found = strings.Cut(string(dec), ":")
	if !found || user == "" {
		return "", "", false
	}
	return user, password, true
}

// decodeBase64Lenient is ngx_decode_base64: the standard alphabet, padding
// optional, decoding stops at the first '='.
func decodeBase64Lenient(s string) ([]byte, error) {
	if i := strings.IndexByte(s, '='); i >= 0 {
		s = s[:i]
	}
	if len(s)%4 == 1 {
		return nil, errors.New("bad base64 length")
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// authBasic is ngx_http_auth_basic_handler: 0 when it lets the request
// through or does not apply (declined says which), or the status to
// answer with (401 with the realm for the WWW-Authenticate header, 403 when
// the user file does not exist, 500 when it cannot be read).
func (h *Handler) authBasic(rq *request, ac *accessConf) (status int, realm string, declined bool) {
	if ac.realm == nil || ac.userFile == nil {
		return 0, "", true
	}
	realm = h.expand(rq, ac.realm.Arg(0))
	if realm == "off" {
		return 0, "", true
	}
	user, password, ok := basicCredentials(rq.r)
	if !ok {
		rq.note("no user/password was provided for basic authentication")
		return http.StatusUnauthorized, realm, false
	}
	path := h.expand(rq, ac.userFile.Arg(0))
	if !filepath.IsAbs(path) {
		path = filepath.Join(h.confPrefix(), path)
	}
	stored, found, err := lookupUser(path, user)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rq.note("auth_basic_user_file " + path + " not found")
		return http.StatusForbidden, "", false
	case err != nil:
		rq.note("auth_basic_user_file: " + err.Error())
		return http.StatusInternalServerError, "", false
	case !found:
		rq.note("user " + user + " was not found in " + path)
		return http.StatusUnauthorized, realm, false
	case !passwordMatches(password, stored):
		rq.note("user " + user + ": password mismatch")
		return http.StatusUnauthorized, realm, false
	}
	return 0, "", false
}

// lookupUser reads a user file as ngx_http_auth_basic_handler does, line by
// line, and returns the password field of the first line for user: the
// line starts with "user:", and the field ends at a ':', CR, LF or the end
// of the file. Lines starting with '#' or CR are skipped. The file is read
// as a stream, whatever its size.
func lookupUser(path, user string) (stored string, found bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	want := user + ":"
	for {
		// One line; only its start is kept when it cannot be the user's.
		head, err := readHead(br, len(want))
		if err != nil && err != io.EOF {
			return "", false, err
		}
		if head == want && head[0] != '#' && head[0] != '\r' {
			var field []byte
			for {
				c, rerr := br.ReadByte()
				if rerr == io.EOF {
					return string(field), true, nil
				}
				if rerr != nil {
					return "", false, rerr
				}
				if c == '\n' || c == '\r' || c == ':' {
					return string(field), true, nil
				}
				field = append(field, c)
			}
		}
		if err == io.EOF {
			return "", false, nil
		}
		if !strings.HasSuffix(head, "\n") {
			if err := skipLine(br); err == io.EOF {
				return "", false, nil
			} else if err != nil {
				return "", false, err
			}
		}
	}
}

// readHead reads up to n bytes of the next line (stopping after a LF), so
// that a line for another user is never held whole.
func readHead(br *bufio.Reader, n int) (string, error) {
	var b []byte
	for len(b) < n {
		c, err := br.ReadByte()
		if err != nil {
			return string(b), err
		}
		b = append(b, c)
		if c == '\n' {
			break
		}
	}
	return string(b), nil
}

// skipLine reads past the next LF.
func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}

// confPrefix is nginx's configuration prefix, which relative paths of
// auth_basic_user_file start from: the directory of the main file.
func (h *Handler) confPrefix() string {
	return h.prefix
}

// userFileWarnings lists, for the user files named without variables, the
// users whose password format serve does not compute: serve refuses them
// where nginx might let them in.
func userFileWarnings(d *nginx.Directive, prefix string) []Warning {
	path := d.Arg(0)
	if strings.Contains(path, "$") {
		return nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(prefix, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return []Warning{{Pos: d.Pos, Name: d.Name, Detail: "cannot read " + path + " now (" + errText(err) + "); it is read again for every request"}}
	}
	defer f.Close()
	var warns []Warning
	sc := bufio.NewScanner(io.LimitReader(f, 16<<20))
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		user, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		stored, _, _ := strings.Cut(rest, ":")
		if !cryptSupported(stored) {
			warns = append(warns, Warning{Pos: d.Pos, Name: d.Name,
				Detail: "user " + user + " in " + path + " has a password format serve does not compute; serve answers 401 where nginx may let the user in"})
		}
	}
	return warns
}
