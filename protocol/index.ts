/** The wire contract between gateway and load generator. */
export * from './frames.js';
export * from './errors.js';
export * from './close.js';
export * from './codec.js';
export * from './validate.js';
export * from './token.js';
export * from './names.js';
