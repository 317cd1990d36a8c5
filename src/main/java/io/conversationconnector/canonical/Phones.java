package io.conversationconnector.canonical;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/** E.164 normalisation with libphonenumber. Providers send numbers with or without '+', with spaces, etc. */
public final class Phones {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private Phones() {
    }

    /**
     * @param raw a number in international form, with or without the leading '+'
     * @return the E.164 form, or null when it is not a valid phone number
     */
    public static String toE164(String raw) {
        if (raw == null) {
            return null;
        }
        String trimmed = raw.strip();
        if (trimmed.isEmpty()) {
            return null;
        }
        String candidate = trimmed.startsWith("+") ? trimmed : "+" + trimmed;
        try {
            PhoneNumber number = UTIL.parse(candidate, "ZZ");
            // "possible" (right length for the country), not "valid": new number ranges must not lose the phone.
            return UTIL.isPossibleNumber(number) ? UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164) : null;
        } catch (NumberParseException e) {
            return null;
        }
    }

    /** Treble style: a country calling code ("+57" or "57") and a national number. */
    public static String toE164(String countryCode, String nationalNumber) {
        if (countryCode == null || nationalNumber == null) {
            return null;
        }
        String cc = countryCode.strip().replaceFirst("^\\+", "");
        return toE164("+" + cc + nationalNumber.strip());
    }
}
