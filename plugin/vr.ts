/** Package entry `temporal-vsphere-replication/vr`: the typed VR REST client, its errors and schemas. */
export * from '../vr';
