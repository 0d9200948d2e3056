package engine

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"regexp"
)

// validName is docker's rule for a container's name.
var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

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
