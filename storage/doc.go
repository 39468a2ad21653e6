// Package storage is fakeghcr's in-memory OCI content store: blobs, upload
// sessions, manifests and tags, with no HTTP in it. The registry package
// turns requests into calls here and maps the returned errors (sentinels such
// as ErrBlobUnknown, tested with errors.Is) onto GHCR's wire errors.
//
// # What it imitates
//
// GitHub Container Registry (ghcr.io), as researched in
// shared/spec/ghcr-behavior.md:
//   - Blobs are content-addressed and repository-scoped: a blob's bytes are
//     held once, but a repository sees only the blobs pushed or mounted to
//     it. A mount must name its source repository.
//   - Upload sessions create nothing until committed, expire (10 minutes by
//     default, GHCR's documented upload timeout), and accept ranged chunks
//     with a size cap the caller passes (GHCR: 4 MiB). Blobs are capped at
//     10 GB, manifests at 4 MiB.
//   - A manifest PUT is checked: JSON, schemaVersion 2, media types that
//     agree, and every referenced config, layer or child manifest present in
//     the same repository (an index's child may also be a blob, as in
//     BuildKit's registry cache); a *BlobUnknownError lists each missing
//     digest, as GHCR sends one MANIFEST_BLOB_UNKNOWN error per missing blob.
//     Foreign layers are allowed; custom artifact types are stored as given.
//   - Tags move when pushed again and list in ascending order. Nothing is
//     ever deleted (GHCR refuses DELETE on the registry API).
//
// # Where it knowingly differs
//
//   - Blobs are served from memory; GHCR answers a blob GET with a 307
//     redirect to pkg-containers.githubusercontent.com.
//   - Everything lives in the process's memory and is lost when it exits.
//   - Docker schema 1 manifests are refused (GHCR does not store them
//     either, but how it refuses a push is not known).
//   - An upload session expires after UploadTTL without activity, counted
//     from the last Append or Commit rather than from its start, and a body
//     being read keeps it alive. A Sweeper (Store.StartSweeper) frees
//     expired sessions in the background; without one they are freed when
//     a new session starts.
//   - Limits GHCR's are not known for: at most MaxUploads open sessions,
//     MaxUploadsPerHolder of them per holder (ErrTooManyUploads),
//     MaxUploadBytes held by uploads in progress
//     (ErrUploadsFull; the upload is discarded, nothing committed is
//     touched), and MaxManifestDescriptors descriptors per manifest
//     (ErrManifestInvalid).
//   - sha512 digests are accepted for blobs and for manifests pushed by
//     digest (GHCR's answer is unknown; OCI 1.1 allows them).
//   - Manifests are not also readable as blobs, and a digest mount finds
//     only blobs, not manifests.
//
// # Memory and concurrency
//
// A blob is kept as a list of chunks that grow from 64 KiB to 4 MiB as an
// upload streams in; bytes are read straight into their chunk and hashed
// there, never copied again, and a wasteful last chunk is trimmed at commit.
// A blob thus costs about its size (a 256 MiB push peaks at 1.02x; 4 KiB
// blobs cost 1.08x with the maps and digests). Readers get the chunks
// themselves through io.WriterTo.
//
// The store's mutex is held only around map operations. Each upload session
// has its own mutex, held while its body is read, so a slow client delays
// only further appends to its own session. A manifest's missing-blob check
// is linear and takes the read lock per batch of lookups (blobs are never
// deleted, so what it finds stays true); the write lock is held only to
// store the manifest.
package storage
