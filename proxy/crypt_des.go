//go:build unix

package proxy

// Traditional crypt(3): DES with a 12-bit salt, the format of htpasswd -d
// and of Perl's and Python's crypt with a two-character salt. The tables
// are those of the DES standard (FIPS 46-3), 1-based bit numbers as it
// writes them. Speed does not matter here (one password per request), so
// the cipher works on one byte per bit, as the standard describes it.

var desIP = [64]byte{
	58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
	62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
	57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
	61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
}

var desPC1 = [56]byte{
	57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
	10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
	63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
	14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
}

var desPC2 = [48]byte{
	14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10,
	23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
	41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
	44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
}

var desShifts = [16]int{1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1}

var desE = [48]byte{
	32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9,
	8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
	16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25,
	24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
}

var desP = [32]byte{
	16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
	2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
}

var desS = [8][64]byte{
	{14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
		0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
		4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
		15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13},
	{15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
		3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
		0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
		13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9},
	{10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
		13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
		13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
		1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12},
	{7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
		13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
		10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
		3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14},
	{2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
		14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
		4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
		11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3},
	{12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
		10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
		9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
		4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13},
	{4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
		13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
		1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
		6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12},
	{13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
		1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
		7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
		2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11},
}

// desBits is a block or key, one bit per byte, most significant first.
type desBits [64]byte

// desKeys is the key schedule: 16 subkeys of 48 bits.
func desKeys(key *desBits) (ks [16][48]byte) {
	var cd [56]byte
	for i, p := range desPC1 {
		cd[i] = key[p-1]
	}
	for round := 0; round < 16; round++ {
		for s := 0; s < desShifts[round]; s++ {
			c0, d0 := cd[0], cd[28]
			copy(cd[0:27], cd[1:28])
			copy(cd[28:55], cd[29:56])
			cd[27], cd[55] = c0, d0
		}
		for i, p := range desPC2 {
			ks[round][i] = cd[p-1]
		}
	}
	return ks
}

// desEncrypt enciphers block in place with the key schedule ks and the
// expansion table e (crypt swaps some of its entries by the salt).
func desEncrypt(block *desBits, ks *[16][48]byte, e *[48]byte) {
	var lr desBits
	for i, p := range desIP {
		lr[i] = block[p-1]
	}
	l, r := lr[:32], lr[32:]
	var pre [48]byte
	var f [32]byte
	for round := 0; round < 16; round++ {
		for i := range pre {
			pre[i] = r[e[i]-1] ^ ks[round][i]
		}
		for j := 0; j < 8; j++ {
			b := pre[6*j : 6*j+6]
			k := desS[j][int(b[0])<<5|int(b[5])<<4|int(b[1])<<3|int(b[2])<<2|int(b[3])<<1|int(b[4])]
			f[4*j], f[4*j+1], f[4*j+2], f[4*j+3] = k>>3&1, k>>2&1, k>>1&1, k&1
		}
		var next [32]byte
		for i, p := range desP {
			next[i] = l[i] ^ f[p-1]
		}
		copy(l, r)
		copy(r, next[:])
	}
	// The last round's halves are not swapped: R16 L16 goes to the final
	// permutation, the inverse of IP.
	var pre64 desBits
	copy(pre64[:32], r)
	copy(pre64[32:], l)
	for i, p := range desIP {
		block[p-1] = pre64[i]
	}
}

// cryptValue is the value of a character of crypt's alphabet, -1 for
// others.
func cryptValue(c byte) int {
	switch {
	case c == '.' || c == '/':
		return int(c - '.')
	case c >= '0' && c <= '9':
		return int(c-'0') + 2
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 12
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 38
	}
	return -1
}

// desSalt reports whether stored starts with a traditional DES salt: two
// characters of crypt's alphabet.
func desSalt(stored string) bool {
	return len(stored) >= 2 && cryptValue(stored[0]) >= 0 && cryptValue(stored[1]) >= 0
}

// desCrypt is crypt(password, stored) for a traditional DES salt: the
// first 8 characters of the password (7 bits each) are the key, a zero
// block is enciphered 25 times with the expansion table altered by the
// salt, and the 64 bits are written as 11 characters after the salt.
func desCrypt(password, stored string) string {
	var key desBits
	for i := 0; i < 8 && i < len(password); i++ {
		c := password[i]
		if c == 0 {
			break // crypt reads a C string
		}
		for j := 0; j < 7; j++ {
			key[8*i+j] = c >> (6 - j) & 1
		}
	}
	ks := desKeys(&key)
	e := desE
	for i := 0; i < 2; i++ {
		v := cryptValue(stored[i])
		for j := 0; j < 6; j++ {
			if v>>j&1 != 0 {
				e[6*i+j], e[6*i+j+24] = e[6*i+j+24], e[6*i+j]
			}
		}
	}
	var block desBits
	for i := 0; i < 25; i++ {
		desEncrypt(&block, &ks, &e)
	}
	out := []byte{stored[0], stored[1]}
	var bits [66]byte
	copy(bits[:], block[:])
	for i := 0; i < 11; i++ {
		v := 0
		for j := 0; j < 6; j++ {
			v = v<<1 | int(bits[6*i+j])
		}
		out = append(out, cryptB64[v])
	}
	return string(out)
}
