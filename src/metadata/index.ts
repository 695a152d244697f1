// Public surface of the metadata module.
export { MetadataClient, DEFAULT_ENDPOINT, TOKEN_HEADER, TOKEN_PATH, TOKEN_TTL_HEADER } from './client.js';
export type { MetadataClientOptions, TokenMode } from './client.js';
export { MetadataError, isMetadataError } from './errors.js';
export type { MetadataErrorKind } from './errors.js';
export { FileTokenStore, MemoryTokenStore, tokenFilePath } from './token.js';
export type { StoredToken, TokenStore } from './token.js';
export type { CachedSnapshot } from './cache.js';
export { SnapshotCacheError, loadSnapshotCache, saveSnapshotCache, snapshotCachePath } from './cache.js';
export { readSnapshot } from './snapshot.js';
export type { MetadataReader } from './snapshot.js';
