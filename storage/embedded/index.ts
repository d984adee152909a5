export { EmbeddedStorage, type EmbeddedStorageOptions } from './embedded-storage.js';
