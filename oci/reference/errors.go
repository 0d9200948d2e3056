package reference

import "errors"

// The errors of distribution/reference, with its words: test with errors.Is.
var (
	// ErrInvalidFormat: the string is not a reference at all.
	ErrInvalidFormat = errors.New("invalid reference format")
	// ErrNameEmpty: no repository name.
	ErrNameEmpty = errors.New("repository name must have at least one component")
	// ErrNameUppercase: a repository path holds upper-case letters.
	ErrNameUppercase = errors.New("repository name must be lowercase")
	// ErrNameTooLong: the repository path is over NameMax characters.
	ErrNameTooLong = errors.New("repository name must not be more than 255 characters")
	// ErrIdentifier: 64 hex digits alone look like an image ID, not a name.
	ErrIdentifier = errors.New("cannot specify 64-byte hexadecimal strings")
	// ErrTag: a tag outside [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
	ErrTag = errors.New("invalid tag format")
	// ErrDigest: a digest go-digest refuses (wrong length, not hex,
	// unknown algorithm).
	ErrDigest = errors.New("invalid digest format")
)
