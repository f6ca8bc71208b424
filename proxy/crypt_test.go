//go:build unix

package proxy

import (
	"bytes"
	"crypto/des"
	"math/rand/v2"
	"testing"
)

// cryptVectors were made on Debian 12 with `openssl passwd` and the C
// library's crypt(3) (the one nginx calls), and with the nginx test
// suite's own apr1 value.
var cryptVectors = []struct{ password, stored string }{
	{"password", "$apr1$salt$Xxd1irWT9ycqoYxGFn4cb."},
	{"secret", "$apr1$xyz$HXgo9gtz4gpj4JWTLYmjB0"},
	{"password", "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"},
	{"", "$1$x$fwjfZtMwarkdetsjiQreU1"},
	{"password", "$5$saltsaltsaltsalt$WsFBeg1qQ90JL3VkUTuM7xVV/5njhLngIVm6ftSnBR2"},
	{"password", "$5$rounds=1234$sugar$mclHRZltCxo//dTCfKCtprrDAyZ2AbUXQqmvSZZIVN4"},
	{"a very long password that is longer than sixty-four bytes for sure, yes indeed it is", "$5$long$VKV4ZJUmvdHX9HSs2fPHTdjZjtvqRWFo2sxvaus7xq8"},
	{"secret", "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG."},
	{"secret", "$6$rounds=10000$saltsaltsaltsalt$JfKXl4x07umbXIGXrz4jYnDtZt8fIFlNSby2poRKPSFD4PbiQHTxb2NLQPGuaML.ZXPWXKfgxibKFGp.yXoha."},
	{"secret", "{SSHA}4pJXfgnTTNyzp/SFwoAIEwhNBQBhYjEy"},
	{"secret", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="},
	{"secret", "{PLAIN}secret"},
	{"password", "sa3tHJ3/KuYvI"},
	{"", "abmF1QH4PEr.E"},
	{"longerthan8chars", "./haKoGjqSo/Y"},
	{"zz", "zzYo4aM7if7Z2"},
	{"password and more", "sa3tHJ3/KuYvI"}, // DES reads 8 characters
	{"\u00e98", "9A320QeIcu0RU"},
}

func TestPasswordFormats(t *testing.T) {
	for _, v := range cryptVectors {
		if !passwordMatches(v.password, v.stored) {
			t.Errorf("%q does not match %s", v.password, v.stored)
		}
		if passwordMatches("x"+v.password, v.stored) {
			t.Errorf("%q matches %s", "x"+v.password, v.stored)
		}
		if !cryptSupported(v.stored) {
			t.Errorf("%s: not supported", v.stored)
		}
	}
	// Values crypt() cannot use, or broken ones: never a match.
	for _, stored := range []string{"", "$1$", "$apr1$", "{SSHA}_____wQadOA1e+/f+T+H3eCQQhRzYWx0", "{SHA}Zm9vCg==", "$y$j9T$abc$def", "*"} {
		for _, pw := range []string{"", "1", "password"} {
			if passwordMatches(pw, stored) {
				t.Errorf("%q matches %q", pw, stored)
			}
		}
	}
}

// TestDESAgainstStdlib: without a salt, the DES of crypt_des.go is the
// standard cipher (crypto/des), for random keys and blocks.
func TestDESAgainstStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	toBits := func(b []byte) (out desBits) {
		for i := range out {
			out[i] = b[i/8] >> (7 - i%8) & 1
		}
		return out
	}
	for n := 0; n < 50; n++ {
		key, plain := make([]byte, 8), make([]byte, 8)
		for i := range key {
			key[i], plain[i] = byte(rng.Uint32()), byte(rng.Uint32())
		}
		c, err := des.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, 8)
		c.Encrypt(want, plain)
		k, block := toBits(key), toBits(plain)
		ks := desKeys(&k)
		e := desE
		desEncrypt(&block, &ks, &e)
		if w := toBits(want); !bytes.Equal(block[:], w[:]) {
			t.Fatalf("key %x block %x: got %v, want %v", key, plain, block, w)
		}
	}
}
