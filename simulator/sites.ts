/** The two simulated sites. Fixed (not seeded) so that docs, tests and users can rely on them. */
export type SiteKey = 'protected' | 'recovery';

export interface SimSite {
  key: SiteKey;
  vcenterId: string;
  vcenterName: string;
  vrmsId: string;
  vrmsName: string;
  vrmsHost: string;
  username: string;
  password: string;
}

/** Default credentials and ids of the protected site (the gateway you log in to) and the recovery site. */
export const SIM_SITES: { protected: SimSite; recovery: SimSite } = {
  protected: {
    key: 'protected',
    vcenterId: '6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a61',
    vcenterName: 'vc-protected.sim.local',
    vrmsId: '0b7c6d5e-4f3a-4b2c-8d1e-9f0a1b2c3d41',
    vrmsName: 'vrms-protected.sim.local',
    vrmsHost: 'vrms-protected.sim.local',
    username: 'administrator@vsphere.local',
    password: 'Sim-Protected-1!',
  },
  recovery: {
    key: 'recovery',
    vcenterId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c62',
    vcenterName: 'vc-recovery.sim.local',
    vrmsId: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f42',
    vrmsName: 'vrms-recovery.sim.local',
    vrmsHost: 'vrms-recovery.sim.local',
    username: 'administrator@recovery.local',
    password: 'Sim-Recovery-1!',
  },
};

export const siteByVcenterId = (vcenterId: string): SimSite | undefined =>
  [SIM_SITES.protected, SIM_SITES.recovery].find((site) => site.vcenterId === vcenterId);
