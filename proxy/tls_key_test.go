//go:build unix

package proxy

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestDecryptKeyWrongPasswordsFirst: a key in the legacy encrypted PEM
// form opens with the right password of ssl_password_file even when wrong
// ones before it decrypt to bytes whose padding looks right (about 1 in
// 256 does; with 2,000 wrong passwords some always do). nginx, through
// OpenSSL, then fails to read the key and tries the next password.
func TestDecryptKeyWrongPasswordsFirst(t *testing.T) {
	rnd := rand.NewChaCha8([32]byte{1})
	key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the legacy form is the one whose padding misleads.
	block, err := x509.EncryptPEMBlock(rnd, "EC PRIVATE KEY", der, []byte("right"), x509.PEMCipherAES128)
	if err != nil {
		t.Fatal(err)
	}
	var passwords []string
	misleading := 0
	for i := 0; i < 2000; i++ {
		pw := fmt.Sprintf("wrong%d", i)
		//lint:ignore SA1019 counts the wrong passwords the padding check lets through.
		if _, err := x509.DecryptPEMBlock(block, []byte(pw)); err == nil {
			misleading++
		}
		passwords = append(passwords, pw)
	}
	if misleading == 0 {
		t.Fatal("no wrong password passes the padding check: the test proves nothing; change the passwords")
	}
	out, err := decryptKey(pem.EncodeToMemory(block), append(passwords, "right"))
	if err != nil {
		t.Fatalf("decryptKey: %v (%d wrong passwords pass the padding check)", err, misleading)
	}
	got, _ := pem.Decode(out)
	if got == nil || !bytes.Equal(got.Bytes, der) {
		t.Fatalf("decryptKey gave another key than the one encrypted (%d wrong passwords pass the padding check)", misleading)
	}
}
