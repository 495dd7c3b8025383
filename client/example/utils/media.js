// Chosen images (chooseAvatar, wx.chooseMedia) as the upload grant wants them.

const IMAGE_TYPES = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

/** The content type of a chosen image, from its temporary file's extension. */
function contentTypeOf(filePath) {
  const ext = (String(filePath).split('?')[0].match(/\.(\w+)$/) || [])[1];
  return IMAGE_TYPES[(ext || '').toLowerCase()] || 'image/jpeg';
}

module.exports = { IMAGE_TYPES, contentTypeOf };
