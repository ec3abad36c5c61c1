/** Package entry `temporal-vsphere-replication/simulator`: the VR gateway simulator, for users' own tests. */
export * from '../simulator';
