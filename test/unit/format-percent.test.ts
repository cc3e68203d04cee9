// Rates typed as percentages and amounts in currency units (renderer/src/format/percent.ts): no float touches them.
import { expect, it } from 'vitest';
import { minorToUnits, percentToRate, rateToPercent, unitsToMinor } from '../../renderer/src/format/percent';
it('moves the decimal point in the text: percentages to rates, currency units to minor units, and back', () => {
  expect(['5', '2,5', '100', '0.5', '12.5', '0', '150'].map(percentToRate)).toEqual(['0.05', '0.025', '1', '0.005', '0.125', '0', '1.5']);
  expect(['0.05', '0.025', '1', '0.2', '0', '0.125'].map((r) => rateToPercent(r, true))).toEqual(['5', '2,5', '100', '20', '0', '12,5']);
  expect(['0,50', '12', '1.5', '', '0.505', 'abc'].map((x) => unitsToMinor(x))).toEqual([50, 1200, 150, null, '0.505', 'abc']);
  expect([50, 1200, 5, 0, 500000].map((m) => minorToUnits(m, true))).toEqual(['0,50', '12,00', '0,05', '0,00', '5000,00']);
});
