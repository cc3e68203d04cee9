// SIREN numbers: 9 digits with a Luhn check digit (INSEE). La Poste's historical SIREN
// 356000000 is the documented exception (digit sum divisible by 5 instead).

export function isValidSiren(siren: string): boolean {
  if (!/^\d{9}$/.test(siren)) return false;
  if (siren === '356000000') return true;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = siren.charCodeAt(8 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
