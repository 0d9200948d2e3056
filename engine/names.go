package engine

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
)

// validName is docker's rule for a container's (and a volume's) name,
// ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$, checked by hand: a regexp compiled at init
// would cost every minidocker process, a monitor too, its memory.
func validName(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i, c := range []byte(s) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '.' && c != '-') {
			return false
		}
	}
	return true
}

// Like docker's namesgenerator: an adjective and a scientist, shorter.
var (
	adjectives = []string{"admiring", "bold", "brave", "busy", "clever", "eager", "elastic", "focused",
		"gallant", "happy", "jolly", "keen", "lucid", "nifty", "quirky", "serene", "sharp", "stoic", "tender", "vibrant"}
	scientists = []string{"babbage", "curie", "darwin", "euler", "feynman", "goldberg", "hopper", "hypatia",
		"kepler", "lamarr", "liskov", "lovelace", "meitner", "noether", "pike", "ritchie", "shannon", "thompson", "turing", "wozniak"}
)

func randomName() string {
	pick := func(list []string) string {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(list))))
		return list[n.Int64()]
	}
	return pick(adjectives) + "_" + pick(scientists)
}

// NewID is an ID as docker makes them: 32 random bytes in hex.
func NewID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
