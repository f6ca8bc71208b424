//go:build unix

package proxy

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
)

// The password formats of auth_basic_user_file, as ngx_crypt reads them:
// $apr1$ (Apache's MD5), {PLAIN}, {SHA}, {SSHA}, and what the C library's
// crypt() knows on Debian: $1$ (MD5), $5$ (SHA-256), $6$ (SHA-512) and
// traditional DES (crypt_des.go). nginx compares crypt(password, stored) with the stored
// text; a stored value crypt() cannot use yields a failure token on
// Debian's libxcrypt, so the user is refused (401), never let in.

// cryptSupported reports whether serve computes the format of stored
// itself; for the others (yescrypt, bcrypt, scrypt...) serve refuses the
// user where nginx could accept them, which start-up says.
func cryptSupported(stored string) bool {
	switch {
	case strings.HasPrefix(stored, "$apr1$"), strings.HasPrefix(stored, "{PLAIN}"),
		strings.HasPrefix(stored, "{SSHA}"), strings.HasPrefix(stored, "{SHA}"),
		strings.HasPrefix(stored, "$1$"), strings.HasPrefix(stored, "$5$"),
		strings.HasPrefix(stored, "$6$"):
		return true
	}
	return desSalt(stored)
}

// passwordMatches reports whether password, crypted with stored as the
// salt, gives stored.
func passwordMatches(password, stored string) bool {
	// nginx hands the password to ngx_crypt (and crypt(3)) as a C string:
	// it ends at its first NUL byte.
	if i := strings.IndexByte(password, 0); i >= 0 {
		password = password[:i]
	}
	var got string
	switch {
	case strings.HasPrefix(stored, "$apr1$"):
		got = md5Crypt(password, stored, "$apr1$")
	case strings.HasPrefix(stored, "{PLAIN}"):
		got = "{PLAIN}" + password
	case strings.HasPrefix(stored, "{SSHA}"):
		got = sshaCrypt(password, stored)
	case strings.HasPrefix(stored, "{SHA}"):
		sum := sha1.Sum([]byte(password))
		got = "{SHA}" + base64.StdEncoding.EncodeToString(sum[:])
	case strings.HasPrefix(stored, "$1$"):
		got = md5Crypt(password, stored, "$1$")
	case strings.HasPrefix(stored, "$5$"):
		got = shaCrypt(password, stored, "$5$", sha256.New, sha256Order)
	case strings.HasPrefix(stored, "$6$"):
		got = shaCrypt(password, stored, "$6$", sha512.New, sha512Order)
	case desSalt(stored):
		got = desCrypt(password, stored)
	default:
		return false
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(stored)) == 1
}

// sshaCrypt is ngx_crypt_ssha: the salt is what follows the 20 bytes of
// the SHA-1 in the decoded value; an undecodable value gives a digest that
// cannot match.
func sshaCrypt(password, stored string) string {
	dec, err := base64.StdEncoding.DecodeString(stored[len("{SSHA}"):])
	if err != nil || len(dec) < 20 {
		dec = make([]byte, 20)
	}
	h := sha1.New()
	h.Write([]byte(password))
	h.Write(dec[20:])
	out := append(h.Sum(nil), dec[20:]...)
	return "{SSHA}" + base64.StdEncoding.EncodeToString(out)
}

// cryptB64 is crypt's base-64 alphabet.
const cryptB64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// b64From appends the n characters encoding the 24 bits b2 b1 b0.
func b64From(out []byte, b2, b1, b0 byte, n int) []byte {
	w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
	for ; n > 0; n-- {
		out = append(out, cryptB64[w&0x3f])
		w >>= 6
	}
	return out
}

// cryptSalt is the salt of stored after magic: up to the next '$', at most
// max bytes.
func cryptSalt(stored, magic string, max int) string {
	s := stored[len(magic):]
	if i := strings.IndexByte(s, '$'); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		s = s[:max]
	}
	return s
}

// md5Crypt is the MD5-based crypt of FreeBSD and Apache ($1$ and $apr1$
// differ only in the magic).
func md5Crypt(password, stored, magic string) string {
	salt := cryptSalt(stored, magic, 8)
	pw := []byte(password)
	alt := md5.New()
	alt.Write(pw)
	alt.Write([]byte(salt))
	alt.Write(pw)
	altSum := alt.Sum(nil)

	ctx := md5.New()
	ctx.Write(pw)
	ctx.Write([]byte(magic))
	ctx.Write([]byte(salt))
	for n := len(pw); n > 0; n -= 16 {
		ctx.Write(altSum[:min(n, 16)])
	}
	for i := len(pw); i != 0; i >>= 1 {
		if i&1 != 0 {
			ctx.Write([]byte{0})
		} else {
			ctx.Write(pw[:min(1, len(pw))])
		}
	}
	final := ctx.Sum(nil)
	for i := 0; i < 1000; i++ {
		c := md5.New()
		if i&1 != 0 {
			c.Write(pw)
		} else {
			c.Write(final)
		}
		if i%3 != 0 {
			c.Write([]byte(salt))
		}
		if i%7 != 0 {
			c.Write(pw)
		}
		if i&1 != 0 {
			c.Write(final)
		} else {
			c.Write(pw)
		}
		final = c.Sum(nil)
	}
	out := []byte(magic + salt + "$")
	out = b64From(out, final[0], final[6], final[12], 4)
	out = b64From(out, final[1], final[7], final[13], 4)
	out = b64From(out, final[2], final[8], final[14], 4)
	out = b64From(out, final[3], final[9], final[15], 4)
	out = b64From(out, final[4], final[10], final[5], 4)
	out = b64From(out, 0, 0, final[11], 2)
	return string(out)
}

// sha256Order and sha512Order are the byte triples of the SHA-crypt
// encodings ($5$ and $6$), the last group shorter.
var sha256Order = [][3]int{
	{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14}, {15, 25, 5}, {6, 16, 26},
	{27, 7, 17}, {18, 28, 8}, {9, 19, 29}, {-1, 31, 30},
}

var sha512Order = [][3]int{
	{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48},
	{28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13},
	{56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41},
	{-1, -1, 63},
}

// shaCrypt is Ulrich Drepper's SHA-crypt ($5$, $6$), with the optional
// rounds=N field (default 5000, bounded to 1000..999999999).
func shaCrypt(password, stored, magic string, newHash func() hash.Hash, order [][3]int) string {
	rest := stored[len(magic):]
	rounds, custom := 5000, false
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		i := strings.IndexByte(r, '$')
		if i < 0 {
			return ""
		}
		n, err := strconv.ParseUint(r[:i], 10, 64)
		if err != nil {
			return ""
		}
		rounds, custom = int(min(max(n, 1000), 999999999)), true
		rest = r[i+1:]
	}
	salt := rest
	if i := strings.IndexByte(salt, '$'); i >= 0 {
		salt = salt[:i]
	}
	if len(salt) > 16 {
		salt = salt[:16]
	}
	pw, sl := []byte(password), []byte(salt)

	b := newHash()
	b.Write(pw)
	b.Write(sl)
	b.Write(pw)
	bSum := b.Sum(nil)
	size := len(bSum)

	a := newHash()
	a.Write(pw)
	a.Write(sl)
	for n := len(pw); n > 0; n -= size {
		a.Write(bSum[:min(n, size)])
	}
	for n := len(pw); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(bSum)
		} else {
			a.Write(pw)
		}
	}
	aSum := a.Sum(nil)

	dp := newHash()
	for range pw {
		dp.Write(pw)
	}
	dpSum := dp.Sum(nil)
	p := make([]byte, 0, len(pw))
	for n := len(pw); n > 0; n -= size {
		p = append(p, dpSum[:min(n, size)]...)
	}

	ds := newHash()
	for i := 0; i < 16+int(aSum[0]); i++ {
		ds.Write(sl)
	}
	dsSum := ds.Sum(nil)
	s := make([]byte, 0, len(sl))
	for n := len(sl); n > 0; n -= size {
		s = append(s, dsSum[:min(n, size)]...)
	}

	c := aSum
	for i := 0; i < rounds; i++ {
		h := newHash()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(nil)
	}

	out := []byte(magic)
	if custom {
		out = append(out, "rounds="+strconv.Itoa(rounds)+"$"...)
	}
	out = append(out, salt...)
	out = append(out, '$')
	for _, t := range order {
		var b2, b1 byte
		n := 4
		if t[0] >= 0 {
			b2 = c[t[0]]
		} else {
			n = 3
		}
		if t[1] >= 0 {
			b1 = c[t[1]]
		} else {
			n = 2
		}
		out = b64From(out, b2, b1, c[t[2]], n)
	}
	return string(out)
}
