//go:build unix

package proxy

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// certTemplate is an ssl_certificate and its ssl_certificate_key named
// with variables: nginx evaluates them at each handshake, with what a
// connection has then ($ssl_server_name, the client's address, geo and
// map variables of those) and loads the files (relative paths from the
// configuration prefix).
type certTemplate struct {
	cert, key, prefix string
}

// hasCerts reports whether the server has certificates of its own.
func (st *serverTLS) hasCerts() bool { return len(st.certs) > 0 || len(st.dynCerts) > 0 }

// certSource is the server whose certificates a handshake on st
// presents: st's own, else the address's default server's.
func (st *serverTLS) certSource(def *serverTLS) *serverTLS {
	if st.hasCerts() {
		return st
	}
	return def
}

// dynamicCertificate loads the certificates of st's templates for hello,
// and gives the first the client supports among them and the server's
// other certificates (else the first). One that cannot be loaded fails
// the handshake, as in nginx, unless --dev-cert gave a stand-in.
func (st *serverTLS) dynamicCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	h := st.handler
	if h == nil {
		return nil, errors.New("no server for the certificate's variables")
	}
	r := &http.Request{Header: http.Header{}, TLS: &tls.ConnectionState{ServerName: hello.ServerName}}
	if hello.Conn != nil {
		r.RemoteAddr = hello.Conn.RemoteAddr().String()
		r = r.WithContext(context.WithValue(context.Background(), http.LocalAddrContextKey, hello.Conn.LocalAddr()))
	}
	rq := &request{r: r, out: http.Header{}}
	candidates := make([]*tls.Certificate, 0, len(st.dynCerts)+len(st.certs))
	for _, t := range st.dynCerts {
		c, err := loadPair(h.expand(rq, t.cert), h.expand(rq, t.key), t.prefix, st.passwords)
		if err != nil {
			if st.devCert != nil {
				return st.devCert, nil
			}
			return nil, err
		}
		candidates = append(candidates, &c)
	}
	// The server's certificates named without variables are offered too.
	for i := range st.certs {
		candidates = append(candidates, &st.certs[i])
	}
	for _, c := range candidates {
		if hello.SupportsCertificate(c) == nil {
			return c, nil
		}
	}
	return candidates[0], nil
}

// readPasswords reads ssl_password_file: a password a line.
func readPasswords(name, prefix string) ([]string, error) {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(prefix, p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("ssl_password_file %s cannot be read (%v)", name, unwrapPathError(err))
	}
	var pw []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimRight(line, "\r"); line != "" {
			pw = append(pw, line)
		}
	}
	return pw, nil
}

// decryptKey gives the PEM key in b decrypted with the first of passwords
// that opens it (PKCS#8 with PBES2, as OpenSSL 3 writes them, or the
// older "Proc-Type: 4,ENCRYPTED" form); a key that is not encrypted comes
// back as it is.
func decryptKey(b []byte, passwords []string) ([]byte, error) {
	rest := b
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return b, nil
		}
		//lint:ignore SA1019 the legacy form is what older OpenSSL wrote, and nginx reads it.
		legacy := x509.IsEncryptedPEMBlock(block)
		if block.Type != "ENCRYPTED PRIVATE KEY" && !legacy {
			continue
		}
		if len(passwords) == 0 {
			return nil, errors.New("the key is encrypted: give its password with ssl_password_file")
		}
		for _, pw := range passwords {
			var der []byte
			var err error
			typ := "PRIVATE KEY"
			if legacy {
				//lint:ignore SA1019 see above.
				der, err = x509.DecryptPEMBlock(block, []byte(pw))
				typ = block.Type
			} else {
				der, err = decryptPKCS8(block.Bytes, pw)
			}
			// A wrong password can decrypt to bytes whose padding looks
			// right (1 in 256 for CBC); OpenSSL then fails to read the
			// key and nginx tries the next password: so does serve.
			if err == nil && parsesAsKey(der) {
				return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), nil
			}
		}
		return nil, errors.New("no password of ssl_password_file opens the key")
	}
}

// parsesAsKey reports whether der is a private key in one of the forms
// tls.X509KeyPair reads (PKCS#1, PKCS#8, SEC 1).
func parsesAsKey(der []byte) bool {
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return true
	}
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return true
	}
	_, err := x509.ParseECPrivateKey(der)
	return err == nil
}

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

type pkcs8Encrypted struct {
	Algo pkix8Algorithm
	Data []byte
}

type pkix8Algorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type pbes2Params struct {
	KDF    pkix8Algorithm
	Scheme pkix8Algorithm
}

type pbkdf2Params struct {
	Salt      []byte
	Iter      int
	KeyLength int            `asn1:"optional"`
	PRF       pkix8Algorithm `asn1:"optional"`
}

// decryptPKCS8 opens an EncryptedPrivateKeyInfo (RFC 5958) encrypted with
// PBES2: PBKDF2 and AES-CBC or 3DES-CBC.
func decryptPKCS8(der []byte, password string) ([]byte, error) {
	var ek pkcs8Encrypted
	if _, err := asn1.Unmarshal(der, &ek); err != nil {
		return nil, err
	}
	if !ek.Algo.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("the key's encryption %v is not PBES2", ek.Algo.Algorithm)
	}
	var p pbes2Params
	if _, err := asn1.Unmarshal(ek.Algo.Parameters.FullBytes, &p); err != nil {
		return nil, err
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("the key's derivation %v is not PBKDF2", p.KDF.Algorithm)
	}
	var kp pbkdf2Params
	if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, err
	}
	var prf func() hash.Hash
	switch {
	case kp.PRF.Algorithm == nil, kp.PRF.Algorithm.Equal(oidHMACSHA1):
		prf = sha1.New
	case kp.PRF.Algorithm.Equal(oidHMACSHA256):
		prf = sha256.New
	case kp.PRF.Algorithm.Equal(oidHMACSHA384):
		prf = sha512.New384
	case kp.PRF.Algorithm.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, fmt.Errorf("the key's PBKDF2 uses %v", kp.PRF.Algorithm)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Scheme.Parameters.FullBytes, &iv); err != nil {
		return nil, err
	}
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch {
	case p.Scheme.Algorithm.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case p.Scheme.Algorithm.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case p.Scheme.Algorithm.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case p.Scheme.Algorithm.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("the key's cipher %v is not AES-CBC or 3DES-CBC", p.Scheme.Algorithm)
	}
	if kp.Iter <= 0 || kp.Iter > 10_000_000 {
		return nil, errors.New("the key's PBKDF2 iteration count is out of range")
	}
	key, err := pbkdf2.Key(prf, password, kp.Salt, kp.Iter, keyLen)
	if err != nil {
		return nil, err
	}
	block, err := newCipher(key)
	if err != nil {
		return nil, err
	}
	if len(iv) != block.BlockSize() || len(ek.Data) == 0 || len(ek.Data)%block.BlockSize() != 0 {
		return nil, errors.New("the encrypted key is malformed")
	}
	out := make([]byte, len(ek.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ek.Data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > block.BlockSize() || pad > len(out) {
		return nil, errors.New("wrong password")
	}
	for _, c := range out[len(out)-pad:] {
		if int(c) != pad {
			return nil, errors.New("wrong password")
		}
	}
	out = out[:len(out)-pad]
	if _, err := x509.ParsePKCS8PrivateKey(out); err != nil {
		return nil, errors.New("wrong password")
	}
	return out, nil
}
