package tlsdecrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// suite is what decryption needs of a cipher suite: the AEAD, its key
// and fixed IV sizes, and the hash of the key schedule (TLS 1.3's HKDF,
// TLS 1.2's PRF).
type suite struct {
	id     uint16
	name   string
	tls13  bool
	keyLen int
	// ivLen is the fixed IV the key schedule gives: 12 for TLS 1.3 and
	// ChaCha20-Poly1305, 4 for TLS 1.2's GCM, whose other 8 nonce bytes
	// travel in each record (RFC 5288 §3).
	ivLen int
	hash  func() hash.Hash
	aead  func(key []byte) (cipher.AEAD, error)
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// explicitNonce reports whether each record carries 8 bytes of nonce
// before its ciphertext: TLS 1.2's GCM suites.
func (s *suite) explicitNonce() bool { return !s.tls13 && s.ivLen == 4 }

var suites = map[uint16]*suite{}

func init() {
	for _, s := range []suite{
		// TLS 1.3 (RFC 8446 §B.4).
		{0x1301, "TLS_AES_128_GCM_SHA256", true, 16, 12, sha256.New, gcm},
		{0x1302, "TLS_AES_256_GCM_SHA384", true, 32, 12, sha512.New384, gcm},
		{0x1303, "TLS_CHACHA20_POLY1305_SHA256", true, 32, 12, sha256.New, chacha20poly1305.New},
		// TLS 1.2's AEAD suites (RFC 5288, RFC 5289, RFC 7905).
		{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", false, 16, 4, sha256.New, gcm},
		{0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", false, 32, 4, sha512.New384, gcm},
		{0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false, 16, 4, sha256.New, gcm},
		{0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", false, 32, 4, sha512.New384, gcm},
		{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false, 16, 4, sha256.New, gcm},
		{0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false, 32, 4, sha512.New384, gcm},
		{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, 16, 4, sha256.New, gcm},
		{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, 32, 4, sha512.New384, gcm},
		{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, 32, 12, sha256.New, chacha20poly1305.New},
		{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false, 32, 12, sha256.New, chacha20poly1305.New},
		{0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, 32, 12, sha256.New, chacha20poly1305.New},
	} {
		suites[s.id] = &s
	}
}

// SuiteName names a cipher suite by its IANA name, or by number when this
// package does not know it.
func SuiteName(id uint16) string {
	if s, ok := suites[id]; ok {
		return s.name
	}
	return fmt.Sprintf("cipher suite 0x%04x", id)
}
