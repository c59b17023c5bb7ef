// `npm run test:images`: the container-image tests (docker/test/*.oci-spec.ts), with the
// workspace's own settings. Not in `npm test`: they need root, buildah and a built image.
import base from '../vitest.config.js';

export default {
  ...base,
  test: { ...base.test, include: ['docker/test/**/*.oci-spec.ts'] },
};
