export { JetProgram } from './jet-program.js';
export { solutionJet, solutionJetVjp, factorial } from './solution.js';
export { nestedSolutionDerivative, evaluateDual } from './nested-jvp.js';
export type { Dual } from './nested-jvp.js';
