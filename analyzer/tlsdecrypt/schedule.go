package tlsdecrypt

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"hash"
)

// expandLabel is TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1) with an
// empty context, all the record layer needs.
func expandLabel(h func() hash.Hash, secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = append(info, byte(n>>8), byte(n), byte(len(full)))
	info = append(info, full...)
	info = append(info, 0) // no context
	return hkdf.Expand(h, secret, string(info), n)
}

// keys13 are a direction's record protection from a TLS 1.3 traffic
// secret (RFC 8446 §7.3).
func keys13(s *suite, secret []byte) (cipher.AEAD, []byte, error) {
	key, err := expandLabel(s.hash, secret, "key", s.keyLen)
	if err != nil {
		return nil, nil, err
	}
	iv, err := expandLabel(s.hash, secret, "iv", s.ivLen)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.aead(key)
	return a, iv, err
}

// nextSecret is the traffic secret after a KeyUpdate (RFC 8446 §7.2).
func nextSecret(s *suite, secret []byte) ([]byte, error) {
	return expandLabel(s.hash, secret, "traffic upd", s.hash().Size())
}

// prf12 is TLS 1.2's PRF, P_hash over the suite's hash (RFC 5246 §5).
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	out := make([]byte, 0, n+h().Size())
	mac := hmac.New(h, secret)
	a := ls // A(0)
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
		mac.Reset()
		mac.Write(a)
		mac.Write(ls)
		out = mac.Sum(out)
	}
	return out[:n]
}

// keys12 are both directions' record protection from a TLS 1.2 master
// secret: the key block of RFC 5246 §6.3, without MAC keys, which AEAD
// suites have none of.
func keys12(s *suite, master []byte, clientRandom, serverRandom [32]byte) (client, server cipher.AEAD, civ, siv []byte, err error) {
	seed := append(serverRandom[:], clientRandom[:]...)
	kb := prf12(s.hash, master, "key expansion", seed, 2*s.keyLen+2*s.ivLen)
	ck, sk := kb[:s.keyLen], kb[s.keyLen:2*s.keyLen]
	civ, siv = kb[2*s.keyLen:2*s.keyLen+s.ivLen], kb[2*s.keyLen+s.ivLen:]
	if client, err = s.aead(ck); err != nil {
		return nil, nil, nil, nil, err
	}
	if server, err = s.aead(sk); err != nil {
		return nil, nil, nil, nil, err
	}
	return client, server, civ, siv, nil
}
