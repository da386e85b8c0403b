import type { ModelKind } from './classifier.js';
import { loadCnn, trainCnn } from './cnn.js';
import { loadFastText, trainFastText } from './fasttext.js';
import { loadFusion, trainFusion } from './fusion.js';
import { loadImageTransfer, trainImageTransfer } from './image-transfer.js';
import { loadLateFusion, trainLateFusion } from './late-fusion.js';
import { loadLstm, loadWordCnn, trainLstm, trainWordCnn } from './lstm.js';
import { loadTextSvm, trainTextSvm } from './text-svm.js';
import { loadTfidf, loadTfidfChar, trainTfidf, trainTfidfChar } from './tfidf.js';
import type { Loader, Trainer } from './trainer.js';

/** How each model kind is trained and loaded back from its bundle. */
export const MODEL_FAMILIES: Readonly<Record<ModelKind, { train: Trainer; load: Loader; description: string }>> = {
  tfidf: { train: trainTfidf, load: loadTfidf, description: 'word 1-2-gram TF-IDF + softmax regression (text baseline)' },
  'tfidf-char': {
    train: trainTfidfChar,
    load: loadTfidfChar,
    description: 'word 1-2-gram and char 2-5-gram TF-IDF + softmax regression (text)',
  },
  fasttext: { train: trainFastText, load: loadFastText, description: 'fastText-style hashed word and char n-grams (text)' },
  'text-svm': {
    train: trainTextSvm,
    load: loadTextSvm,
    description: 'word 1-2-gram and char_wb 2-5-gram TF-IDF (uncapped) + one-vs-rest linear SVM, dual coordinate descent (text)',
  },
  lstm: { train: trainLstm, load: loadLstm, description: 'reference Embedding + 2-layer LSTM (text)' },
  'word-cnn': { train: trainWordCnn, load: loadWordCnn, description: 'trained word embeddings + Conv1D over 3-word windows, max-pooled (text)' },
  cnn: { train: trainCnn, load: loadCnn, description: 'reference Conv2D + MaxPooling blocks (image)' },
  fusion: { train: trainFusion, load: loadFusion, description: 'a softmax head over trained text and image parts, modality dropout (--arch reference: LSTM + CNN trunks from scratch)' },
  'late-fusion': {
    train: trainLateFusion,
    load: loadLateFusion,
    description: 'weighted product of calibrated text and image models, weight fit on validation',
  },
  'image-transfer': {
    train: trainImageTransfer,
    load: loadImageTransfer,
    description: 'frozen pretrained backbone(s) (nsfwjs MobileNetV2 / InceptionV3 or a tfjs folder) + trained softmax head (image)',
  },
};
