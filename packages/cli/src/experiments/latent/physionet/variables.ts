// The PhysioNet 2012 challenge's parameter names (physionet.org/content/challenge-2012/1.0.0). Each
// record opens with six general descriptors at 00:00; the rest are time series. The latent-ODE paper we
// reproduce (Kelly et al. 2020, after Rubanova et al. 2019) models 37 variables: Rubanova's 41 minus the
// four descriptors that never change (Age, Gender, Height, ICUType). Weight stays: it is charted again
// during the stay, and its 00:00 value is the first point of that series.

/** The 37 modelled variables, in the reference's order (its channel order). */
export const PHYSIONET_VARIABLES = [
  'Weight',
  'Albumin',
  'ALP',
  'ALT',
  'AST',
  'Bilirubin',
  'BUN',
  'Cholesterol',
  'Creatinine',
  'DiasABP',
  'FiO2',
  'GCS',
  'Glucose',
  'HCO3',
  'HCT',
  'HR',
  'K',
  'Lactate',
  'Mg',
  'MAP',
  'MechVent',
  'Na',
  'NIDiasABP',
  'NIMAP',
  'NISysABP',
  'PaCO2',
  'PaO2',
  'pH',
  'Platelets',
  'RespRate',
  'SaO2',
  'SysABP',
  'Temp',
  'TroponinI',
  'TroponinT',
  'Urine',
  'WBC',
] as const;

/** Descriptors recorded once, at 00:00, and not modelled (Weight is modelled, above). */
export const PHYSIONET_DESCRIPTORS = ['Age', 'Gender', 'Height', 'ICUType'] as const;

export const RECORD_ID = 'RecordID';

/** The outcomes file's columns after RecordID. */
export const PHYSIONET_OUTCOMES = ['SAPS-I', 'SOFA', 'Length_of_stay', 'Survival', 'In-hospital_death'] as const;

/** The value the challenge writes for a missing or unknown measurement. */
export const MISSING = -1;

/** The window every record covers, in hours. */
export const PHYSIONET_HOURS = 48;
