/**
 * The 27 product types (`prdtypecode`) of the challenge. Rakuten published codes only; the names are the
 * ones the community uses (shared data README, categories.csv). Embedded so a database can be seeded
 * without the data folder.
 */
export const CATEGORIES: readonly { code: number; name: string }[] = Object.freeze([
  { code: 10, name: 'Livres occasion' },
  { code: 40, name: 'Jeux consoles neuf' },
  { code: 50, name: 'Accessoires gaming' },
  { code: 60, name: 'Consoles de jeux' },
  { code: 1140, name: 'Objets pop culture' },
  { code: 1160, name: 'Cartes de jeux' },
  { code: 1180, name: 'Jeux de rôle et figurines' },
  { code: 1280, name: 'Jouets enfant' },
  { code: 1281, name: 'Jeux enfant' },
  { code: 1300, name: 'Modélisme' },
  { code: 1301, name: 'Chaussettes enfant' },
  { code: 1302, name: 'Jeux de plein air' },
  { code: 1320, name: 'Puériculture' },
  { code: 1560, name: 'Mobilier' },
  { code: 1920, name: 'Linge de maison' },
  { code: 1940, name: 'Epicerie' },
  { code: 2060, name: 'Décoration' },
  { code: 2220, name: 'Animalerie' },
  { code: 2280, name: 'Journaux et revues occasion' },
  { code: 2403, name: 'Lots livres et magazines' },
  { code: 2462, name: 'Jeux vidéo occasion' },
  { code: 2522, name: 'Fournitures papeterie' },
  { code: 2582, name: 'Mobilier de jardin' },
  { code: 2583, name: 'Piscine et accessoires' },
  { code: 2585, name: 'Outillage de jardin' },
  { code: 2705, name: 'Livres neufs' },
  { code: 2905, name: 'Jeux PC' },
]);

export const CATEGORY_CODES: ReadonlySet<number> = new Set(CATEGORIES.map((c) => c.code));
