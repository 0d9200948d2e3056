// Package image reads the JSON documents of an image: manifests, indexes
// (manifest lists) and configs, in their OCI and Docker schema 2 forms,
// with the types of github.com/opencontainers/image-spec. Docker schema 1
// is refused: registries stopped serving it, and it names layers by
// blob without diff IDs.
package image
