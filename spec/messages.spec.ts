import { expect } from 'chai';
import { BigraysConfig, Task } from '../lib';
import { attributeMessage, attributeName, errorText, keywordName, masked, shown, taskMessage, taskName } from '../lib/messages';

class Upload extends Task<void> {
  run(): void {}
}

describe('messages', () => {
  describe('shown()', () => {
    it('should show a short plain value as written: strings quoted and escaped, bigints with n', () => {
      expect(shown('zip')).to.equal('"zip"');
      expect(shown('two\nlines')).to.equal('"two\\nlines"');
      expect(shown('')).to.equal('""');
      expect(shown(0)).to.equal('0');
      expect(shown(-1.5)).to.equal('-1.5');
      expect(shown(NaN)).to.equal('NaN');
      expect(shown(12n)).to.equal('12n');
      expect(shown(true)).to.equal('true');
      expect(shown(null)).to.equal('null');
      expect(shown(undefined)).to.equal('undefined');
    });

    it('should name a class by its name, and other values by what they are', () => {
      class NotATask {}
      expect(shown(NotATask)).to.equal('class NotATask');
      expect(shown(Upload)).to.equal('class Upload');
      expect(shown(function helper() {})).to.equal('function helper');
      expect(shown(() => 1)).to.equal('a function');
      expect(shown([1, 2])).to.equal('an array');
      expect(shown({ a: 1 })).to.equal('an object');
      expect(shown(Object.create(null))).to.equal('an object');
      expect(shown(new Map())).to.equal('an object (Map)');
      expect(shown(new Upload())).to.equal('an object (Upload)');
    });

    it('should name only the kind of a plain value when asked, as for a value that cannot be sent', () => {
      expect(shown('zip', { as: 'kind' })).to.equal('string');
      expect(shown(5, { as: 'kind' })).to.equal('number');
      expect(shown(5n, { as: 'kind' })).to.equal('bigint');
      expect(shown(null, { as: 'kind' })).to.equal('null');
      expect(shown([], { as: 'kind' })).to.equal('an array');
      expect(shown(Upload, { as: 'kind' })).to.equal('class Upload');
    });

    it('should mask a secret in a string it shows', () => {
      BigraysConfig.DB_PWD = 'hunter2-secret';
      const text = shown('postgres://etl:hunter2-secret@db/x');
      expect(text).not.to.contain('hunter2-secret');
      expect(text).to.equal('"postgres://etl:***@db/x"');
    });
  });

  describe('names', () => {
    it('should name a task by its instance, its class or its name', () => {
      expect(taskName('Upload')).to.equal('Upload');
      expect(taskName(Upload)).to.equal('Upload');
      expect(taskName(new Upload())).to.equal('Upload');
      expect(attributeName(Upload, 'bucket')).to.equal('Upload.bucket');
      expect(keywordName('day')).to.equal('the keyword `day`');
    });
  });

  describe('taskMessage() and attributeMessage()', () => {
    it('should put the task, or the attribute, first', () => {
      expect(taskMessage(new Upload(), 'the message is empty')).to.equal('Upload: the message is empty');
      expect(attributeMessage(Upload, 'input', 'not tabular')).to.equal('Upload.input: not tabular');
    });

    it('should not name the task twice when the text names it first already', () => {
      expect(taskMessage(Upload, 'Upload: could not open s3')).to.equal('Upload: could not open s3');
      expect(taskMessage(Upload, 'Upload.input cannot be sent')).to.equal('Upload.input cannot be sent');
      expect(taskMessage(Upload, 'Upload failed: boom')).to.equal('Upload failed: boom');
      expect(attributeMessage(Upload, 'input', 'Upload.input: not tabular')).to.equal('Upload.input: not tabular');
      // another task's name that starts the same is not this task's
      expect(taskMessage(Upload, 'UploadAll: failed')).to.equal('Upload: UploadAll: failed');
    });

    it('should mask a secret in the message it builds', () => {
      BigraysConfig.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG';
      const message = taskMessage(Upload, 'signed with wJalrXUtnFEMI/K7MDENG');
      expect(message).to.equal('Upload: signed with ***');
      expect(attributeMessage(Upload, 'key', 'postgres://etl:pa55word@db/x')).to.equal('Upload.key: postgres://etl:***@db/x');
    });
  });

  describe('masked() and errorText()', () => {
    it('should mask the secrets of a config given to it, besides the environment\'s', () => {
      expect(masked('password is s3cr3t-value', { DB_PWD: 's3cr3t-value' })).to.equal('password is ***');
      expect(masked('password is s3cr3t-value')).to.equal('password is s3cr3t-value');
    });

    it('should write an error as the command prints it: its name unless it is a plain Error', () => {
      expect(errorText(new Error('boom'))).to.equal('boom');
      expect(errorText(new TypeError('bad'))).to.equal('TypeError: bad');
      expect(errorText('thrown text')).to.equal('thrown text');
    });
  });
});
